"""``publish()``: the one way services emit realtime events.

The event rows are written in the caller's transaction (the outbox); they are pushed
to the channel layer only after commit, so no event exists for work that rolled back.
Losing the channel layer loses live delivery, never the write: clients resume from
the outbox.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from realtime.models import OutboxEvent

logger = logging.getLogger(__name__)
_layer_down = False


def publish(event_type: str, *, groups: list[str], data: dict) -> None:
    """Record ``event_type`` for each group now; push after commit. Call inside the service's atomic block."""
    rows = OutboxEvent.objects.bulk_create([OutboxEvent(type=event_type, group=g, data=data) for g in groups])
    transaction.on_commit(lambda: _push(rows))


def publish_written(rows: list[OutboxEvent]) -> None:
    """Push outbox rows the caller wrote itself (in one SQL statement) after commit."""
    transaction.on_commit(lambda: _push(rows))


def _push(rows: list[OutboxEvent]) -> None:
    async_to_sync(push_now)(rows)


async def push_now(rows: list[OutboxEvent]) -> None:
    """Send committed outbox rows to their groups; a layer that is down is logged once."""
    global _layer_down
    layer = get_channel_layer()
    if layer is None or not rows:
        return
    try:
        for row in rows:
            await layer.group_send(row.group, {"type": "outbox.event", "event": row.as_message()})
    except Exception:  # the layer being down must not fail a committed write
        if not _layer_down:
            logger.exception("realtime: channel layer unavailable; events stay in the outbox for resume")
        _layer_down = True
    else:
        if _layer_down:
            logger.warning("realtime: channel layer is back")
        _layer_down = False

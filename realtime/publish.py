"""``publish()``: the one way services emit realtime events, and the relay that delivers them.

The event rows are written in the caller's transaction (the outbox); they are handed to the
relay only after commit, so no event exists for work that rolled back. Losing the channel
layer loses live delivery, never the write: clients resume from the outbox.

The relay is one long-lived async path per server process. Events for a mother
(``worker.<id>``) go out at once, one message each. Feeds that many sockets share
(``project.<id>``, ``company.<id>.staff``) are coalesced: what arrives within
``COALESCE_SECONDS`` goes to the group as one ``{"type": "batch", "events": [...]}``
message, so a follower gets a few messages a second however fast tasks are claimed.
Messages travel already encoded as JSON text.
Outside a server (management commands, jobs) nothing runs the relay: rows are pushed
directly, one group message per call.
"""

import asyncio
import contextlib
import json
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core import batched_inserts
from realtime.events import Event
from realtime.models import OutboxEvent

logger = logging.getLogger(__name__)
COALESCE_SECONDS = 0.25
_PERSONAL_PREFIX = "worker."


def publish(event: Event, *, groups: list[str]) -> None:
    """Record ``event`` (built by ``realtime.events``) for each group now — or, in a service that
    writes in ``core.batched_inserts``, with the transaction's other events at its end, in one
    INSERT — and deliver after commit. Call inside the service's atomic block."""
    batched_inserts.add(
        [OutboxEvent(type=event.type, group=g, data=event.data) for g in groups], written=publish_written
    )


def publish_written(rows: list[OutboxEvent]) -> None:
    """Deliver, after commit, outbox rows the caller wrote itself (in one SQL statement)."""
    transaction.on_commit(lambda: relay.submit(rows))


class Relay:
    def __init__(self):
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[str, list[dict]] = {}
        self._outgoing: asyncio.Queue | None = None
        self._sender: asyncio.Task | None = None
        self._lock = threading.Lock()
        self._layer_down = False

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run on ``loop`` from now on (the server's event loop; called for every ASGI connection)."""
        if self._loop is not loop:
            with self._lock:
                self._loop, self._pending, self._outgoing, self._sender = loop, {}, None, None

    def submit(self, rows: list[OutboxEvent]) -> None:
        """Hand committed rows to the relay, from any thread."""
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or loop.is_closed() or not loop.is_running():
            if running is None:
                async_to_sync(self._send_each)(rows)
            else:  # this thread runs some other event loop (a sync caller inside one): send from a helper
                sender = threading.Thread(target=asyncio.run, args=(self._send_each(rows),), daemon=True)
                sender.start()
                sender.join(timeout=30)
            return
        if running is loop:
            self.enqueue(rows)
        else:
            loop.call_soon_threadsafe(self.enqueue, rows)

    def enqueue(self, rows: list[OutboxEvent]) -> None:
        """On the relay's loop: personal events now, shared feeds after the coalescing window."""
        for row in rows:
            if row.group.startswith(_PERSONAL_PREFIX):
                self._put(row.group, _event_message(row))
                continue
            waiting = self._pending.setdefault(row.group, [])
            if not waiting:
                asyncio.get_running_loop().call_later(COALESCE_SECONDS, self._flush, row.group)
            waiting.append(row)

    def _flush(self, group: str) -> None:
        rows = self._pending.pop(group, [])
        if rows:
            # Ids are taken at insert, before commit, so they can arrive a little out of order.
            rows.sort(key=lambda row: row.id)
            self._put(group, batch_message(rows))

    def _put(self, group: str, message: dict) -> None:
        # One sender per process, in order: two batches for a group never overtake each other.
        if self._outgoing is None:
            self._outgoing = asyncio.Queue()
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_forever(self._outgoing))
        self._outgoing.put_nowait((group, message))

    async def _send_forever(self, outgoing: asyncio.Queue) -> None:
        while True:
            group, message = await outgoing.get()
            await self._send(group, message)
            outgoing.task_done()

    async def _send_each(self, rows: list[OutboxEvent]) -> None:
        for row in rows:
            await self._send(row.group, _event_message(row))

    async def _send(self, group: str, message: dict) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            # The group travels in the message: each process's hub hands it to its own sockets.
            await layer.group_send(group, {**message, "group": group})
        except Exception:  # the layer being down must not fail a committed write
            if not self._layer_down:
                logger.exception("realtime: channel layer unavailable; events stay in the outbox for resume")
            self._layer_down = True
        else:
            if self._layer_down:
                logger.warning("realtime: channel layer is back")
            self._layer_down = False

    async def drain(self) -> None:
        """Send everything waiting now (tests, shutdown)."""
        for group in list(self._pending):
            self._flush(group)
        if self._outgoing is not None:
            await self._outgoing.join()

    async def aclose(self) -> None:
        """Drain, then stop the sender (a server shutting down; a test closing its loop)."""
        await self.drain()
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
            self._sender = None


def _encode(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _event_message(row: OutboxEvent) -> dict:
    # Encoded once here, not once per listening socket. ``ids`` lets each hub tell what it has
    # already handed out (and repair from the outbox what never came) without decoding the text.
    return {"type": "outbox.text", "text": _encode(row.as_message()), "ids": [_stamp(row)]}


def batch_message(rows: list[OutboxEvent]) -> dict:
    """Several events of one group as one ``{"type": "batch"}`` message, oldest first."""
    events = [row.as_message() for row in rows]
    batch = {"type": "batch", "latest": events[-1]["id"], "events": events}
    return {"type": "outbox.text", "text": _encode(batch), "ids": [_stamp(row) for row in rows]}


def _stamp(row: OutboxEvent) -> list:
    """``[id, written at (epoch seconds)]``: what a hub needs to account for an event."""
    return [row.id, row.at.timestamp()]


relay = Relay()


class RelayAttach:
    """ASGI wrapper: the relay runs on the loop that serves requests."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        relay.attach(asyncio.get_running_loop())
        return await self.app(scope, receive, send)

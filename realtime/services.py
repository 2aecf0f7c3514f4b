"""Writes of the realtime app: only tidying the outbox (events are written by ``publish``)."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from realtime.models import OutboxEvent, PruneMark


def outbox_prune(*, older_than: datetime.timedelta) -> int:
    """Delete events older than ``older_than``; a client whose gap reaches past them is told to resync.
    Idempotent: a second run finds nothing old and changes nothing."""
    with transaction.atomic():
        old = OutboxEvent.objects.filter(at__lt=timezone.now() - older_than)
        through = old.aggregate(through=Max("id"))["through"]
        if through is None:
            return 0
        # Everything up to the newest pruned id is gone for resume purposes, even an event
        # committed late with a lower id: its reader resyncs instead of missing it.
        deleted, _ = OutboxEvent.objects.filter(id__lte=through).delete()
        PruneMark.objects.create(pruned_through=through)
        PruneMark.objects.filter(pruned_through__lt=through).delete()
    return deleted

"""Writes of the realtime app: only tidying the outbox (events are written by ``publish``)."""

import datetime

from django.utils import timezone

from realtime.models import OutboxEvent


def outbox_prune(*, older_than: datetime.timedelta) -> int:
    """Delete events older than ``older_than``; a client whose gap reaches past them is told to resync."""
    deleted, _ = OutboxEvent.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted

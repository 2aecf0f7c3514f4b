"""Background jobs of the realtime app."""

import datetime

from django.conf import settings
from django_tasks import task

from realtime.services import outbox_prune as outbox_prune_service


@task()
def outbox_prune() -> int:
    """Delete outbox events past the retention; clients with an older gap are told to resync."""
    return outbox_prune_service(older_than=datetime.timedelta(hours=settings.HOMESLOT_OUTBOX_RETENTION_HOURS))

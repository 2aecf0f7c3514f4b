"""Delete outbox events older than the retention now (the scheduler also runs this hourly)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand

from realtime.services import outbox_prune


class Command(BaseCommand):
    help = "Prune old realtime outbox events; clients with an older gap are told to resync."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=None, help="default: HOMESLOT_OUTBOX_RETENTION_HOURS (48)")

    def handle(self, *args, hours, **options):
        hours = settings.HOMESLOT_OUTBOX_RETENTION_HOURS if hours is None else hours
        deleted = outbox_prune(older_than=datetime.timedelta(hours=hours))
        self.stdout.write(f"pruned {deleted} outbox events older than {hours} h")

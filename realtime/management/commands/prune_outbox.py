"""Delete outbox events older than the retention (default 2 days). Safe to run twice or late."""

import datetime

from django.core.management.base import BaseCommand

from realtime.services import outbox_prune


class Command(BaseCommand):
    help = "Prune old realtime outbox events; clients with an older gap are told to resync."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=48)

    def handle(self, *args, hours, **options):
        deleted = outbox_prune(older_than=datetime.timedelta(hours=hours))
        self.stdout.write(f"pruned {deleted} outbox events older than {hours} h")

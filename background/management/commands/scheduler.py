"""Enqueue periodic jobs when they fall due (run exactly one of these beside the workers)."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from background.periodic import tick

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of background/periodic.py as they fall due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="tick once and exit")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between ticks")

    def handle(self, *args, once, interval, **options):
        while True:
            close_old_connections()  # survive a database restart between ticks
            try:
                for name in tick():
                    if options["verbosity"] > 1:  # quiet by default: each job says what it did (background.logs)
                        self.stdout.write(f"enqueued {name}")
            except Exception:  # the database or Redis is away: try again at the next tick
                if once:
                    raise
                logger.exception("scheduler: tick failed; retrying in %s s", interval)
            if once:
                return
            time.sleep(interval)

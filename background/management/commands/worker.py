"""Run background jobs on the configured backend: `db_worker` (database) or an RQ worker."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

RQ_JOB_CLASS = "django_tasks_rq.Job"  # RQ must run django-tasks' job class to call a Task


class Command(BaseCommand):
    help = "Run the background worker of the default task backend (HOMESLOT_TASKS_BACKEND)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args, batch, **options):
        if isinstance(task_backends["default"], DatabaseBackend):
            call_command("db_worker", "--queue-name", "*", *(["--batch", "--no-startup-delay"] if batch else []))
        else:
            call_command("rqworker", "default", "--job-class", RQ_JOB_CLASS, *(["--burst"] if batch else []))

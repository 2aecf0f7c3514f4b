"""Housekeeping of the task system itself."""

import datetime

from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from accounts import idempotency
from background.models import PeriodicRun

KEEP_RESULTS = datetime.timedelta(days=14)


@task()
def task_results_prune() -> int:
    """Forget finished job results and scheduler rows older than two weeks."""
    cutoff = timezone.now() - KEEP_RESULTS
    deleted, _ = PeriodicRun.objects.filter(period_start__lt=cutoff).delete()
    if isinstance(task_backends["default"], DatabaseBackend):
        finished, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
        deleted += finished
    return deleted


@task()
def idempotent_requests_prune() -> int:
    """Forget the answers kept for retried requests (Idempotency-Key) after their retention."""
    return idempotency.prune()

"""Periodic jobs: what runs on its own, how often, and the tick that enqueues it.

One ``scheduler`` process calls :func:`tick` every few seconds. A job is enqueued once per
period: the period's row in ``PeriodicRun`` is written in the same transaction as the
enqueue (on the database backend the job row itself), so a second scheduler, a restart or
a late tick cannot enqueue the same period twice. Every job is idempotent anyway and
catches up on whatever it finds when it runs late.
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from accounts.jobs import accounts_tidy
from background import facts
from background.jobs import idempotent_requests_prune, task_results_prune
from background.models import PeriodicRun
from ledger import jobs as ledger_jobs
from notices import jobs as notice_jobs
from realtime.jobs import outbox_prune
from skills import jobs as skill_jobs
from standards import jobs as standard_jobs
from tasks import jobs as task_jobs

logger = logging.getLogger(__name__)
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclasses.dataclass(frozen=True)
class Periodic:
    task: Task
    every: datetime.timedelta

    @property
    def name(self) -> str:
        return self.task.module_path

    def period_start(self, now: datetime.datetime) -> datetime.datetime:
        return EPOCH + ((now - EPOCH) // self.every) * self.every


def schedule() -> list[Periodic]:
    """Every periodic job of the platform, in one list: the apps below background by name here, and
    those beside it on its layer (which it may not import: integrations) as config supplies them in
    ``background.facts.jobs_beside``."""
    minute = datetime.timedelta(minutes=1)
    beside = [Periodic(task, every) for task, every in facts.jobs_beside()]
    return [
        Periodic(task_jobs.claims_expire, minute),
        Periodic(task_jobs.submissions_auto_accept, minute),
        Periodic(task_jobs.reminders_send, minute),
        Periodic(notice_jobs.deliveries_run, minute),
        Periodic(task_jobs.auto_accept_warn, 5 * minute),
        Periodic(task_jobs.hours_warn, 5 * minute),
        Periodic(task_jobs.returns_overdue_remind, 5 * minute),
        Periodic(task_jobs.measured_pay_update, datetime.timedelta(hours=1)),
        Periodic(standard_jobs.standings_measure, datetime.timedelta(hours=1)),
        Periodic(task_jobs.deleted_payout_details_erase, datetime.timedelta(hours=1)),
        Periodic(ledger_jobs.settlement_overdue_warn, datetime.timedelta(days=1)),
        Periodic(skill_jobs.demotions_apply, datetime.timedelta(days=1)),
        Periodic(outbox_prune, datetime.timedelta(hours=1)),
        Periodic(task_results_prune, datetime.timedelta(days=1)),
        Periodic(accounts_tidy, datetime.timedelta(hours=1)),
        Periodic(idempotent_requests_prune, datetime.timedelta(hours=1)),
        *beside,
    ]


def tick(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue each job whose current period has not been enqueued yet; return their names."""
    now = now or timezone.now()
    enqueued = []
    for periodic in schedule():
        with transaction.atomic():
            _, created = PeriodicRun.objects.get_or_create(job=periodic.name, period_start=periodic.period_start(now))
            if created:
                # Inside the transaction: if the enqueue fails, the period stays open for the next tick.
                periodic.task.enqueue()
                enqueued.append(periodic.name)
    if enqueued:
        logger.debug("scheduler: enqueued %s", ", ".join(enqueued))  # every minute: not worth a line
    return enqueued

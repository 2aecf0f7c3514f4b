"""The scheduler enqueues each period once; workers on both backends run the jobs."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.models import PeriodicRun
from background.periodic import schedule, tick
from realtime.jobs import outbox_prune
from realtime.models import OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 11, 28, 12, 0, 30, tzinfo=datetime.UTC)


def outbox_at(*ages_hours: float) -> list[OutboxEvent]:
    rows = OutboxEvent.objects.bulk_create([factories.outbox_event("project.1") for _ in ages_hours])
    for row, age in zip(rows, ages_hours, strict=True):
        OutboxEvent.objects.filter(pk=row.pk).update(at=timezone.now() - datetime.timedelta(hours=age))
    return rows


def due_names(every: datetime.timedelta) -> set[str]:
    return {periodic.name for periodic in schedule() if periodic.every <= every}


def test_a_period_is_enqueued_once_however_often_the_scheduler_ticks():
    every_job = {periodic.name for periodic in schedule()}
    assert set(tick(NOON)) == every_job
    assert tick(NOON) == []
    assert tick(NOON + datetime.timedelta(seconds=20)) == []
    assert DBTaskResult.objects.count() == len(every_job)

    # A minute on, the per-minute jobs come back, and only they; an hour on, the hourly ones too.
    assert set(tick(NOON + datetime.timedelta(minutes=1))) == due_names(datetime.timedelta(minutes=1))
    assert set(tick(NOON + datetime.timedelta(hours=1))) == due_names(datetime.timedelta(hours=1))
    assert PeriodicRun.objects.filter(job="realtime.jobs.outbox_prune").count() == 2
    assert PeriodicRun.objects.filter(job="tasks.jobs.claims_expire").count() == 3


def test_a_late_scheduler_enqueues_the_current_period_once_not_every_missed_one():
    tick(NOON)
    assert set(tick(NOON + datetime.timedelta(hours=7, minutes=30))) == due_names(datetime.timedelta(hours=1))
    assert DBTaskResult.objects.filter(task_path="realtime.jobs.outbox_prune").count() == 2
    assert DBTaskResult.objects.filter(task_path="tasks.jobs.claims_expire").count() == 2


@pytest.mark.django_db(transaction=True)  # the worker commits and reconnects as in production
def test_the_database_worker_prunes_the_outbox_and_a_second_run_changes_nothing():
    _old, recent = outbox_at(settings.HOMESLOT_OUTBOX_RETENTION_HOURS + 1, 1)
    assert "realtime.jobs.outbox_prune" in tick()
    call_command("worker", "--batch")

    assert list(OutboxEvent.objects.values_list("id", flat=True)) == [recent.id]
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()  # every job ran
    results = DBTaskResult.objects.filter(task_path="realtime.jobs.outbox_prune")
    assert [(r.status, r.return_value) for r in results] == [(TaskResultStatus.SUCCESSFUL, 1)]

    outbox_prune.enqueue()
    call_command("worker", "--batch")
    assert list(OutboxEvent.objects.values_list("id", flat=True)) == [recent.id]
    assert sorted(r.return_value for r in results.all()) == [0, 1]


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")
def test_the_rq_worker_runs_the_same_job_from_redis():
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    django_rq.get_queue("default").empty()
    _old, recent = outbox_at(settings.HOMESLOT_OUTBOX_RETENTION_HOURS + 5, 0.5)
    result = outbox_prune.using(backend="rq").enqueue()

    # SimpleWorker runs the job in this process, inside this test's database transaction.
    django_rq.get_worker("default", job_class=Job, worker_class=SimpleWorker).work(burst=True)

    result.refresh()
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, 1)
    assert list(OutboxEvent.objects.values_list("id", flat=True)) == [recent.id]


@pytest.mark.django_db(transaction=True)
def test_the_worker_is_quiet_but_for_one_line_per_job_that_did_something(caplog):
    """`make run` used to print two lines per job per minute: now only a job that did something writes one."""
    import logging

    from background.logs import QuietJobs

    outbox_at(settings.HOMESLOT_OUTBOX_RETENTION_HOURS + 1)
    outbox_prune.enqueue()
    outbox_prune.enqueue()  # the second finds nothing to prune
    with caplog.at_level(logging.INFO):
        call_command("worker", "--batch")
    kept = [r for r in caplog.records if QuietJobs().filter(r)]
    assert [r.getMessage() for r in kept if r.name == "homeslot.jobs"] == ["job outbox_prune: 1"]
    assert not [r for r in kept if r.name.startswith("django_tasks") and r.levelno < logging.WARNING]
    dropped = [r for r in caplog.records if not QuietJobs().filter(r)]
    assert dropped  # the library's own lines were there to drop

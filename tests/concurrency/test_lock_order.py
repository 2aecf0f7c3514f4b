"""The project's one lock order (core.locks), provoked on a real PostgreSQL.

Two transactions that lock a claim and its task in opposite orders deadlock: the claim of a task
whose claim ran out and the expiry job used to (the claim locked the task, then the stale claim;
the job the claim, then the task). The test interleaves the two deterministically: the first
pauses just before its second lock until PostgreSQL shows the second waiting for a lock, then
goes on. With the old order that ended in ``40P01 deadlock detected``; with one order both finish.
"""

import datetime
import threading

import psycopg
import pytest
import time_machine
from django.db import connection, connections

from notices.models import Notice
from tasks import services
from tasks.models import Claim, ClaimStatus, Task, TaskStatus, TimeSlot
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WAIT = 20  # seconds any step may take before the test gives up (a hang fails, it never blocks CI)


def _locks_rows(sql: str) -> bool:
    text = sql.lstrip().upper()
    return (text.startswith("UPDATE") or "FOR UPDATE" in text) and ('"TASKS_TASK"' in text or '"TASKS_CLAIM"' in text)


class PauseBeforeSecondLock:
    """An execute wrapper: after the first statement that locked task or claim rows, hold the next
    such statement until ``release`` is set (``paused`` says it is holding)."""

    def __init__(self):
        self.paused, self.release = threading.Event(), threading.Event()
        self.holding = False

    def __call__(self, execute, sql, params, many, context):
        if _locks_rows(sql) and self.holding and not self.paused.is_set():
            self.paused.set()
            assert self.release.wait(WAIT), "never released"
        result = execute(sql, params, many, context)
        if _locks_rows(sql) and context["cursor"].rowcount:
            self.holding = True
        return result


def _waiting_for_a_lock(pid: int) -> bool:
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as watcher:
        row = watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row is not None and row[0] == "Lock"


def _in_thread(target, errors: list):
    def run():
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def test_claiming_a_task_whose_claim_ran_out_and_the_expiry_job_never_deadlock(
    on_postgres, company, supervisor, mother, other_mother
):
    project = factories.project(supervisor, company, tasks=1, grace_minutes=0, title="串珠手链")
    task = project.tasks.get()
    early = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=5), hours=1)
    late = factories.slot(supervisor, project, starts_in=datetime.timedelta(hours=3), hours=1)
    stale = services.task_claim(worker=mother, task_id=task.pk, slot_id=early.pk)
    pause = PauseBeforeSecondLock()
    expiry_pid, go = [], threading.Event()
    errors: list = []
    results = {}

    def claim_the_task():  # the ORM path: her claim of the task whose claim ran out
        with connection.execute_wrapper(pause):
            results["claim"] = services.task_claim(worker=other_mother, task_id=task.pk, slot_id=late.pk)

    def expire_it():  # the job's step for the same task
        connection.ensure_connection()
        expiry_pid.append(connection.connection.info.backend_pid)
        assert go.wait(WAIT)
        results["expired"] = services.claim_expire(task_id=task.pk)

    with time_machine.travel(early.ends_at + datetime.timedelta(minutes=1), tick=False):
        claimer, expirer = _in_thread(claim_the_task, errors), _in_thread(expire_it, errors)
        claimer.start()
        expirer.start()
        holding = pause.paused.wait(WAIT)  # the claim holds its first lock
        go.set()
        waited = False
        for _ in range(WAIT * 20):
            if not holding or not expirer.is_alive() or (expiry_pid and _waiting_for_a_lock(expiry_pid[0])):
                break
            threading.Event().wait(0.05)
        waited = bool(expiry_pid) and expirer.is_alive() and _waiting_for_a_lock(expiry_pid[0])
        pause.release.set()
        claimer.join(WAIT)
        expirer.join(WAIT)

    deadlocks = [e for e in errors if getattr(e.__cause__, "sqlstate", None) == "40P01"]
    assert not deadlocks, deadlocks
    assert not errors, errors
    assert holding and waited, "the two transactions did not interleave as the test means them to"
    # The claim won the rows first; the job found nothing left to do.
    assert results["claim"].worker_id == other_mother.pk and results["expired"] is False
    assert Claim.objects.get(pk=stale.pk).status == ClaimStatus.EXPIRED
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLAIMED
    assert TimeSlot.objects.get(pk=early.pk).claimed_count == 0
    assert Notice.objects.filter(user=mother, key=f"claim-expired:{stale.pk}").count() == 1

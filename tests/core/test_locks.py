"""core.locks: one lock order, checked in every transaction of the tests."""

import pytest
from django.db import transaction

from accounts.models import Consent
from core import locks
from core.locks import LockOrderError
from tasks.models import Claim, Task, TimeSlot
from tests import factories
from workers.models import WorkerProfile


@pytest.fixture
def rows(mother, assembly, slot):
    from tasks import services

    claim = services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    return claim


def test_locks_in_the_projects_order_pass_and_return_the_rows_by_key(mother, rows):
    with transaction.atomic():
        profile = locks.lock_one(WorkerProfile.objects.filter(user=mother))
        claims = locks.lock(Claim.objects.all())
        tasks = locks.lock(Task.objects.all())
        changed = locks.lock_update(TimeSlot.objects.filter(pk=rows.slot_id), capacity=49)

    assert profile == mother.worker_profile
    assert claims == [rows]
    assert [t.pk for t in tasks] == sorted(Task.objects.values_list("pk", flat=True))
    assert changed == 1


def test_a_lower_rank_after_a_higher_one_is_refused_naming_both(rows):
    with transaction.atomic():
        locks.lock(Task.objects.filter(pk=rows.task_id))
        with pytest.raises(LockOrderError) as refused:
            locks.lock(Claim.objects.filter(pk=rows.pk))

    claim, task = locks.RANK["tasks.claim"], locks.RANK["tasks.task"]
    assert f"tasks.claim (rank {claim}) after tasks.task (rank {task})" in str(refused.value)
    assert "tasks.submission → tasks.review → tasks.claim → tasks.task" in str(refused.value)


def test_a_conditional_update_is_a_lock_too(rows):
    with transaction.atomic():
        locks.lock_update(TimeSlot.objects.filter(pk=rows.slot_id), capacity=49)
        with pytest.raises(LockOrderError):
            locks.lock_update(Task.objects.filter(pk=rows.task_id), brief="x")


def test_a_lock_that_took_no_row_holds_nothing(rows):
    with transaction.atomic():
        assert locks.lock(Task.objects.filter(pk=0)) == []
        assert locks.lock_one(Claim.objects.filter(pk=rows.pk)) == rows


def test_a_rolled_back_savepoint_releases_its_locks_and_so_does_the_check(rows):
    with transaction.atomic():
        try:
            with transaction.atomic():
                locks.lock(Task.objects.filter(pk=rows.task_id))
                raise RuntimeError("give up")
        except RuntimeError:
            pass
        assert locks.lock(Claim.objects.filter(pk=rows.pk)) == [rows]


def test_each_transaction_starts_afresh(rows):
    with transaction.atomic():
        locks.lock(Task.objects.filter(pk=rows.task_id))
    with transaction.atomic():
        assert locks.lock(Claim.objects.filter(pk=rows.pk)) == [rows]


def test_a_model_outside_the_order_cannot_be_locked(db):
    with transaction.atomic(), pytest.raises(LockOrderError, match=r"accounts\.consent is not in core\.locks\.ORDER"):
        locks.lock(Consent.objects.all())


def test_the_check_can_be_switched_off(settings, rows):
    settings.HOMESLOT_LOCK_ORDER_CHECK = False
    with transaction.atomic():
        locks.lock(Task.objects.filter(pk=rows.task_id))
        assert locks.lock(Claim.objects.filter(pk=rows.pk)) == [rows]


@pytest.mark.django_db(transaction=True)
def test_outside_a_test_case_the_connection_transaction_is_the_scope(company, supervisor, mother):
    project = factories.project(supervisor, company, tasks=1)
    slot = factories.slot(supervisor, project)
    from tasks import services

    claim = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    with transaction.atomic():
        locks.lock(Task.objects.filter(pk=claim.task_id))
        with transaction.atomic(), pytest.raises(LockOrderError):  # a savepoint inside the same transaction
            locks.lock(Claim.objects.filter(pk=claim.pk))
    with transaction.atomic():
        assert locks.lock(Claim.objects.filter(pk=claim.pk)) == [claim]

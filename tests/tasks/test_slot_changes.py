"""A slot changed, deleted or cancelled: an empty one changes freely; while mothers hold places it only
grows (and a later end moves their deadlines); one nobody claimed in is deleted; one with claims is
cancelled with a reason: closed to claims on both claim paths (the SQL function on PostgreSQL, the ORM
on SQLite), the live claims released without a mark, each mother told once. Refusals change nothing."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from core.errors import NotFound, ReasonRequired
from notices.models import Notice, NoticeKind
from tasks import services
from tasks.errors import InvalidSlotTimes, SlotCancelled, SlotHasClaims
from tasks.models import Claim, ClaimStatus, ReleaseKind, Task, TaskStatus, TimeSlot
from tests import factories
from tests.snapshots import world

HOUR = datetime.timedelta(hours=1)


def take(mother, project, slot) -> Claim:
    return services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


def update(supervisor, slot, *, start=None, end=None, capacity=None):
    return services.slot_update(
        actor=supervisor,
        slot_id=slot.pk,
        starts_at=start or slot.starts_at,
        ends_at=end or slot.ends_at,
        capacity=capacity or slot.capacity,
    )


def test_an_empty_slot_changes_freely(supervisor, assembly):
    slot = factories.slot(supervisor, assembly, capacity=10)

    changed = update(supervisor, slot, start=slot.starts_at + HOUR, end=slot.ends_at - HOUR // 2, capacity=3)

    assert (changed.starts_at, changed.ends_at, changed.capacity) == (
        slot.starts_at + HOUR,
        slot.ends_at - HOUR // 2,
        3,
    )


def test_a_slot_mothers_hold_only_grows_and_a_later_end_moves_their_deadlines(supervisor, assembly, mother):
    slot = factories.slot(supervisor, assembly, capacity=5)
    claim = take(mother, assembly, slot)
    before = world()
    for shrink in ({"capacity": 4}, {"start": slot.starts_at + HOUR}, {"end": slot.ends_at - HOUR}):
        with pytest.raises(SlotHasClaims):
            update(supervisor, slot, **shrink)
    assert world() == before

    grown = update(supervisor, slot, start=slot.starts_at - HOUR, end=slot.ends_at + HOUR, capacity=8)

    claim.refresh_from_db()
    deadline = slot.ends_at + HOUR + datetime.timedelta(minutes=assembly.grace_minutes)
    assert grown.capacity == 8 and claim.expires_at == deadline
    assert Task.objects.get(pk=claim.task_id).claim_expires_at == deadline


def test_only_its_supervisors_change_a_slot_and_not_one_that_is_over(supervisor, assembly, company, other_company):
    slot = factories.slot(supervisor, assembly)
    outsider = factories.staff(other_company, Role.SUPERVISOR)
    with pytest.raises(NotFound):
        update(outsider, slot, capacity=99)
    with pytest.raises(NotFound):
        services.slot_delete(actor=outsider, slot_id=slot.pk)
    TimeSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - 3 * HOUR, ends_at=timezone.now() - HOUR)
    slot.refresh_from_db()
    with pytest.raises(InvalidSlotTimes):
        update(supervisor, slot, capacity=99)


def test_a_slot_nobody_claimed_in_is_deleted_one_with_claims_is_not(supervisor, assembly, mother):
    empty = factories.slot(supervisor, assembly)
    services.slot_delete(actor=supervisor, slot_id=empty.pk)
    assert not TimeSlot.objects.filter(pk=empty.pk).exists()

    used = factories.slot(supervisor, assembly)
    claim = take(mother, assembly, used)
    services.claim_release(worker=mother, claim_id=claim.pk)  # given back: the slot has a past claim
    before = world()
    with pytest.raises(SlotHasClaims):
        services.slot_delete(actor=supervisor, slot_id=used.pk)
    assert world() == before


def test_cancelling_releases_every_live_claim_without_a_mark_tells_each_mother_once_and_closes_the_slot(
    supervisor, company, other_mother, mother
):
    beads = factories.project(supervisor, company, tasks=4)
    slot = factories.slot(supervisor, beads, capacity=5)
    hers, theirs = take(mother, beads, slot), take(other_mother, beads, slot)
    with pytest.raises(ReasonRequired):
        services.slot_cancel(actor=supervisor, slot_id=slot.pk, reason="  ")

    done = services.slot_cancel(actor=supervisor, slot_id=slot.pk, reason="仓库停电")

    assert done.released == 2 and done.cancelled_at is not None and done.claimed_count == 0
    for claim in (hers, theirs):
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.RELEASED and claim.release_kind == ReleaseKind.FREE
        assert Task.objects.get(pk=claim.task_id).status == TaskStatus.OPEN
    notices = Notice.objects.filter(kind=NoticeKind.SLOT_CANCELLED)
    assert sorted(n.user_id for n in notices) == sorted([mother.pk, other_mother.pk])
    assert "仓库停电" in notices.first().text and "不影响您的记录" in notices.first().text
    # Closed to claims, on whichever claim path this database takes.
    third = factories.mother()
    with pytest.raises(SlotCancelled):
        take(third, beads, slot)
    # Cancelled again: nothing more happens, nobody is told twice.
    again = services.slot_cancel(actor=supervisor, slot_id=slot.pk, reason="仓库停电")
    assert again.released == 0 and notices.count() == 2


def test_the_slots_page_changes_deletes_and_cancels(supervisor, assembly, mother):
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(supervisor)
    empty, held = factories.slot(supervisor, assembly), factories.slot(supervisor, assembly, starts_in=3 * HOUR)
    take(mother, assembly, held)
    url = f"/work/projects/{assembly.pk}/slots"
    page = browser.get(url).content.decode()
    assert f"/slots/{empty.pk}/delete" in page and f"/slots/{held.pk}/cancel" in page
    assert f"/slots/{held.pk}/delete" not in page

    day = timezone.localtime(held.starts_at)
    shrink = browser.post(
        f"{url}/{held.pk}/edit",
        {
            f"s{held.pk}-day": day.date().isoformat(),
            f"s{held.pk}-start": f"{day:%H:%M}",
            f"s{held.pk}-end": f"{timezone.localtime(held.ends_at):%H:%M}",
            f"s{held.pk}-capacity": "1",
        },
        follow=True,
    )
    assert "只能扩大" in shrink.content.decode()
    assert browser.post(f"{url}/{empty.pk}/delete").status_code == 302
    assert not TimeSlot.objects.filter(pk=empty.pk).exists()
    cancelled = browser.post(f"{url}/{held.pk}/cancel", {"reason": "材料没到"}, follow=True)
    assert "时段已取消" in cancelled.content.decode() and "材料没到" in cancelled.content.decode()
    assert browser.post(f"{url}/999999/cancel", {"reason": "x"}).status_code == 404


def test_a_later_end_never_shortens_a_deadline_that_is_later_already(supervisor, assembly, mother):
    slot = factories.slot(supervisor, assembly, capacity=5)
    claim = take(mother, assembly, slot)
    later = slot.ends_at + 5 * HOUR  # sent back for changes, say: due well after the slot
    Claim.objects.filter(pk=claim.pk).update(expires_at=later)
    Task.objects.filter(pk=claim.task_id).update(claim_expires_at=later)

    update(supervisor, slot, end=slot.ends_at + HOUR)

    claim.refresh_from_db()
    assert claim.expires_at == later and Task.objects.get(pk=claim.task_id).claim_expires_at == later


def test_a_mother_holding_materials_keeps_her_batch_and_is_told(supervisor, company, mother):
    beads = factories.project(supervisor, company, tasks=2, dropoff_point="前台")
    slot = factories.slot(supervisor, beads)
    claim = take(mother, beads, slot)
    services.handover_record(actor=supervisor, task_id=claim.task_id, kind="issue", units=claim.task.units)

    done = services.slot_cancel(actor=supervisor, slot_id=slot.pk, reason="停电")

    claim.refresh_from_db()
    assert done.released == 0 and claim.status == ClaimStatus.ACTIVE
    [notice] = Notice.objects.filter(kind=NoticeKind.SLOT_CANCELLED, user=mother)
    assert "送回交货地点" in notice.text and "停电" in notice.text

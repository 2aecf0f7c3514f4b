"""Expiry, release, auto-accept, reminders and hour limits, on a controlled clock. Every job
run twice has the effect of running once."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from ledger.models import Transaction
from notices.models import Notice, NoticeKind
from notices.services import notice_settings_save
from realtime.models import OutboxEvent
from tasks import jobs
from tasks.models import Claim, ClaimStatus, ReleaseKind, Submission, SubmissionStatus, Task, TaskStatus, TimeSlot
from tasks.services import reminders
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world
from workers.models import AvailabilityWindow

pytestmark = pytest.mark.django_db


def claim(user, project, slot, **extra):
    return api_for(user).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk, **extra}, format="json")


def release(user, claim_id, **body):
    return api_for(user).post(f"/api/v1/claims/{claim_id}/release", body, format="json")


def run_twice(job):
    first = job.call()
    second = job.call()
    return first, second


# --- expiry -------------------------------------------------------------------


def test_an_expired_claim_is_marked_its_task_reopens_live_and_she_is_told_kindly(mother, assembly, slot):
    made = claim(mother, assembly, slot).json()
    with time_machine.travel(slot.ends_at + datetime.timedelta(minutes=assembly.grace_minutes + 1), tick=False):
        assert run_twice(jobs.claims_expire) == (1, 0)

    stored = Claim.objects.get(pk=made["id"])
    assert stored.status == ClaimStatus.EXPIRED and stored.ended_at is not None
    assert Task.objects.get(pk=made["task"]["id"]).status == TaskStatus.OPEN
    assert TimeSlot.objects.get(pk=slot.pk).claimed_count == 0
    [notice] = Notice.objects.filter(user=mother, kind=NoticeKind.CLAIM_EXPIRED)
    assert assembly.title in notice.text and "没关系" in notice.text  # jobs speak the platform's language
    reopened = OutboxEvent.objects.filter(
        type="task.opened", group=f"project.{assembly.pk}", data__tasks=[made["task"]["id"]]
    )
    assert reopened.count() == 1
    assert OutboxEvent.objects.filter(type="claim.expired", group=f"worker.{mother.pk}").count() == 1


def test_the_expiry_job_leaves_live_claims_alone(mother, assembly, slot):
    made = claim(mother, assembly, slot).json()
    with time_machine.travel(slot.ends_at + datetime.timedelta(minutes=assembly.grace_minutes - 1), tick=False):
        assert jobs.claims_expire.call() == 0
    assert Claim.objects.get(pk=made["id"]).status == ClaimStatus.ACTIVE


# --- release ------------------------------------------------------------------


def test_release_before_the_slot_is_free_and_leaves_no_mark(mother, assembly, slot):
    made = claim(mother, assembly, slot).json()

    assert release(mother, made["id"]).status_code == 200
    assert Claim.objects.get(pk=made["id"]).release_kind == ReleaseKind.FREE
    assert api_for(mother).get("/api/v1/me/profile").json()["reliability"]["marked"] == 0


def test_during_the_slot_a_reason_is_needed(mother, assembly, slot):
    made = claim(mother, assembly, slot).json()
    with time_machine.travel(slot.starts_at + datetime.timedelta(minutes=5), tick=False):
        before = world()
        assert_refused(release(mother, made["id"]), 400, "reason_required", before)
        assert release(mother, made["id"], reason="孩子发烧了").status_code == 200
    assert Claim.objects.get(pk=made["id"]).release_kind == ReleaseKind.MARKED


def test_three_family_emergencies_a_month_carry_no_mark_the_fourth_counts(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=5, claim_limit=5)
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=10))
    claims = [claim(mother, project, slot).json()["id"] for _ in range(5)]
    with time_machine.travel(slot.starts_at + datetime.timedelta(minutes=1), tick=False):
        for claim_id in claims[:4]:
            assert release(mother, claim_id, family_emergency=True).status_code == 200
        record = api_for(mother).get("/api/v1/me/profile").json()["reliability"]

    kinds = [Claim.objects.get(pk=c).release_kind for c in claims[:4]]
    assert kinds == [ReleaseKind.EMERGENCY] * 3 + [ReleaseKind.MARKED]
    assert record["family_emergencies_this_month"] == 3
    assert record["family_emergencies_left"] == 0
    assert record["marked"] == 1 and record["claims_counted"] == 1
    assert record["reliability_percent"] == 0


# --- auto-accept --------------------------------------------------------------


def submitted(mother, project, slot):
    made = claim(mother, project, slot).json()
    response = api_for(mother).post(f"/api/v1/claims/{made['id']}/submit", {"completed_units": 10}, format="json")
    assert response.status_code == 201, response.content
    return Submission.objects.get(pk=response.json()["id"])


def test_supervisors_are_warned_before_silence_accepts_then_she_is_paid_once(supervisor, mother, assembly, slot):
    submission = submitted(mother, assembly, slot)
    with time_machine.travel(submission.review_due_at - datetime.timedelta(hours=3), tick=False):
        assert reminders.auto_accept_warn() == 0  # not yet
    with time_machine.travel(submission.review_due_at - datetime.timedelta(hours=1), tick=False):
        assert reminders.auto_accept_warn() == 1
        assert reminders.auto_accept_warn() == 0
        assert jobs.submissions_auto_accept.call() == 0  # warned, not yet due
    [warning] = Notice.objects.filter(user=supervisor, kind=NoticeKind.AUTO_ACCEPT_SOON)
    assert assembly.title in warning.text

    with time_machine.travel(submission.review_due_at + datetime.timedelta(minutes=1), tick=False):
        assert run_twice(jobs.submissions_auto_accept) == (1, 0)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.review.reviewer is None and submission.review.accepted_units == 10
    assert Transaction.objects.filter(key=f"review:{submission.review.pk}").count() == 1
    assert Notice.objects.filter(user=mother, kind=NoticeKind.AUTO_ACCEPTED).count() == 1
    decided = OutboxEvent.objects.get(type="review.decided", group=f"worker.{mother.pk}")
    assert decided.data["automatic"] is True


def test_a_submission_reviewed_in_time_is_not_auto_accepted(supervisor, mother, assembly, slot):
    submission = submitted(mother, assembly, slot)
    api_for(supervisor).post(
        f"/api/v1/submissions/{submission.pk}/review", {"decision": "reject", "reason": "缺件"}, format="json"
    )
    with time_machine.travel(submission.review_due_at + datetime.timedelta(hours=1), tick=False):
        assert jobs.submissions_auto_accept.call() == 0
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.REJECTED


# --- reminders ----------------------------------------------------------------


def local(hour: int, minute: int = 0, days: int = 1) -> datetime.datetime:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + datetime.timedelta(days=days, hours=hour, minutes=minute)


def slot_at(supervisor, project, starts_at, hours=2):
    return TimeSlot.objects.create(
        project=project, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours), capacity=10
    )


def test_a_slot_reminder_comes_once_fifteen_minutes_ahead(supervisor, mother, assembly):
    slot = slot_at(supervisor, assembly, local(9))
    claim(mother, assembly, slot)
    with time_machine.travel(local(8, 30), tick=False):
        assert reminders.reminders_send() == 0
    with time_machine.travel(local(8, 50), tick=False):
        assert reminders.reminders_send() == 1
        assert reminders.reminders_send() == 0
    [notice] = Notice.objects.filter(user=mother, kind=NoticeKind.SLOT_STARTING)
    assert "09:00" in notice.text


def test_no_reminder_in_her_quiet_hours_and_none_sent_late(supervisor, mother, assembly):
    slot = slot_at(supervisor, assembly, local(22, 30), hours=1)  # quiet from 22:00 by default
    claim(mother, assembly, slot, confirm_outside_availability=True)
    with time_machine.travel(local(22, 20), tick=False):
        assert reminders.reminders_send() == 0
    with time_machine.travel(local(22, 25), tick=False):
        assert reminders.reminders_send() == 0
    assert not Notice.objects.filter(user=mother, kind=NoticeKind.SLOT_STARTING).exists()


def test_quiet_hours_are_hers_to_set(supervisor, mother, assembly):
    api_for(mother).put(
        "/api/v1/me/profile", {"display_name": "王妈妈", "quiet_start": "23:30", "quiet_end": "06:00"}, format="json"
    )
    slot = slot_at(supervisor, assembly, local(22, 30), hours=1)
    claim(mother, assembly, slot)
    with time_machine.travel(local(22, 20), tick=False):
        assert reminders.reminders_send() == 1


def test_a_deadline_reminder_comes_thirty_minutes_before(supervisor, mother, assembly):
    slot = slot_at(supervisor, assembly, local(9))
    made = claim(mother, assembly, slot).json()
    deadline = Claim.objects.get(pk=made["id"]).expires_at
    with time_machine.travel(deadline - datetime.timedelta(minutes=20), tick=False):
        assert reminders.reminders_send() == 1
        assert reminders.reminders_send() == 0
    assert Notice.objects.filter(user=mother, kind=NoticeKind.DEADLINE_NEAR).count() == 1


# --- hours ----------------------------------------------------------------------


def test_claims_past_four_hours_a_day_with_one_company_are_refused(supervisor, company, mother):
    # Tasks of 10 units at 6 minutes a unit: an hour each (3.00 a unit = 30 yuan an hour).
    project = factories.project(
        supervisor, company, tasks=6, claim_limit=6, piece_rate="3.0000", minutes_per_unit="6.00"
    )
    # One hour after another on one day (one task at a time: each in its own slot).
    for hour in (9, 10, 11, 12):
        assert claim(mother, project, slot_at(supervisor, project, local(hour), hours=1)).status_code == 201
    slot = slot_at(supervisor, project, local(13), hours=1)
    before = world()

    response = claim(mother, project, slot)

    assert_refused(response, 409, "hours_limit_reached", before)
    assert response.json()["error"]["details"]["minutes_left"] == 0
    # Another company's work is not counted against this one.
    other = factories.CompanyFactory()
    elsewhere = factories.project(factories.staff(other), other, tasks=1)
    assert claim(mother, elsewhere, factories.slot(factories.staff(other), elsewhere)).status_code == 201


def test_the_mother_and_the_company_are_warned_near_the_limit(supervisor, company, mother):
    project = factories.project(
        supervisor, company, tasks=4, claim_limit=4, piece_rate="3.0000", minutes_per_unit="6.00"
    )
    for hour in (9, 10):
        assert claim(mother, project, slot_at(supervisor, project, local(hour), hours=1)).status_code == 201
    assert reminders.hours_warn() == 0  # two hours: not near yet
    assert claim(mother, project, slot_at(supervisor, project, local(11), hours=1)).status_code == 201
    assert reminders.hours_warn() == 1  # three of four hours
    assert reminders.hours_warn() == 0
    assert Notice.objects.filter(user=mother, kind=NoticeKind.HOURS_NEAR_LIMIT).count() == 1
    assert Notice.objects.filter(user=supervisor, kind=NoticeKind.HOURS_NEAR_LIMIT).count() == 1


# --- her week ---------------------------------------------------------------------


def test_a_slot_outside_her_hours_asks_for_confirmation(supervisor, mother, assembly):
    profile = mother.worker_profile
    morning = slot_at(supervisor, assembly, local(9), hours=2)
    evening = slot_at(supervisor, assembly, local(19), hours=2)
    AvailabilityWindow.objects.create(
        worker=profile,
        weekday=timezone.localtime(morning.starts_at).weekday(),
        start=datetime.time(8),
        end=datetime.time(12),
    )
    before = world()

    assert_refused(claim(mother, assembly, evening), 409, "outside_availability", before)
    assert claim(mother, assembly, evening, confirm_outside_availability=True).status_code == 201
    assert claim(mother, assembly, morning).status_code == 201

    listed = api_for(mother).get(f"/api/v1/projects/{assembly.pk}/slots").json()["results"]
    assert [(s["id"], s["fits_my_time"]) for s in listed][:2] == [(morning.pk, True), (evening.pk, False)]


def test_without_weekly_hours_every_slot_fits(mother, assembly, slot):
    assert not mother.worker_profile.availability.exists()
    assert claim(mother, assembly, slot).status_code == 201


def test_the_one_statement_claim_on_postgresql_applies_the_same_rules(on_postgres, supervisor, company, mother):
    from tasks.services import claims

    project = factories.project(
        supervisor, company, tasks=6, claim_limit=6, piece_rate="3.0000", minutes_per_unit="6.00"
    )
    for hour in (9, 10, 11, 12):
        slot = slot_at(supervisor, project, local(hour), hours=1)
        assert claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=slot.pk)
    slot = slot_at(supervisor, project, local(13), hours=1)
    # Past her hours: the statement writes nothing and leaves the answer to the ORM path.
    assert claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=slot.pk) is None

    busy = factories.mother()
    AvailabilityWindow.objects.create(
        worker=busy.worker_profile,
        weekday=(timezone.localtime(slot.starts_at).weekday() + 1) % 7,
        start=datetime.time(0),
        end=datetime.time(23, 59),
    )
    assert claims._claim_in_one_statement(worker=busy, project_id=project.pk, slot_id=slot.pk) is None
    assert Claim.objects.filter(worker=busy).count() == 0


def test_after_the_review_window_a_submission_can_only_be_accepted(supervisor, mother, assembly, slot):
    submission = submitted(mother, assembly, slot)
    url = f"/api/v1/submissions/{submission.pk}/review"
    with time_machine.travel(submission.review_due_at + datetime.timedelta(minutes=5), tick=False):
        before = world()
        refused = api_for(supervisor).post(url, {"decision": "reject", "reason": "缺件"}, format="json")
        assert_refused(refused, 409, "review_window_passed", before)
        assert api_for(supervisor).post(url, {"decision": "accept"}, format="json").status_code == 200


def test_a_revision_gets_its_own_deadline_reminder(supervisor, mother, assembly, slot):
    # No quiet hours: any clock time will do.
    notice_settings_save(user=mother, quiet_start=datetime.time(0), quiet_end=datetime.time(0))
    submission = submitted(mother, assembly, slot)
    Claim.objects.filter(pk=submission.claim_id).update(deadline_reminded_at=timezone.now())
    api_for(supervisor).post(
        f"/api/v1/submissions/{submission.pk}/review", {"decision": "revise", "reason": "请补拍照片"}, format="json"
    )
    claim = Claim.objects.get(pk=submission.claim_id)
    assert claim.status == ClaimStatus.ACTIVE and claim.deadline_reminded_at is None
    with time_machine.travel(claim.expires_at - datetime.timedelta(minutes=20), tick=False):
        assert reminders.reminders_send() == 1

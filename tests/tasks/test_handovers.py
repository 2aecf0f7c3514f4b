"""Assembly hand-overs: materials issued to the mother holding a batch, the pieces she returns, their
quality check — which is the review, so her pay follows the pieces accepted, credited once. While she
holds materials the batch stays hers; past her deadline she is told, never penalised."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from ledger.models import AccountKind, Direction, Posting
from notices.models import Notice, NoticeKind
from tasks import jobs, services
from tasks.models import (
    Claim,
    ClaimStatus,
    Handover,
    Kind,
    ReleaseKind,
    Review,
    Submission,
    SubmissionStatus,
    Task,
    TaskStatus,
)
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db


def claim(mother, project):
    slot = factories.slot(project.created_by, project)
    return services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


def record(user, task, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api_for(user).post(f"/api/v1/tasks/{task.pk}/handovers", body, format="json", **headers)


def payable(user) -> int:
    postings = Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=user)
    return sum(p.amount_fen if p.direction == Direction.CREDIT else -p.amount_fen for p in postings)


@pytest.fixture
def batch(supervisor, company):
    """A published assembly project of 2 batches of 10 pieces at ¥0.50, with a pick-up and a drop-off point."""
    return factories.project(
        supervisor, company, tasks=2, units_per_task=10, pickup_point="社区服务站", dropoff_point="社区服务站 2 号窗口"
    )


def test_issue_return_and_quality_check_credit_the_accepted_pieces(supervisor, mother, batch):
    held = claim(mother, batch)
    issued = record(
        supervisor,
        held.task,
        kind="issue",
        units=10,
        parts=[{"name": "布料", "count": 10}, {"name": "拉链", "count": 10}],
    )
    assert issued.status_code == 201, issued.json()
    assert issued.json()["point"] == "社区服务站"  # the project's pick-up point when none is given
    assert issued.json()["parts"] == [{"name": "布料", "count": 10}, {"name": "拉链", "count": 10}]

    mine = api_for(mother).get(f"/api/v1/tasks/{held.task_id}/handovers").json()
    assert mine["claim"] == held.pk and mine["materials"]["holding"] == 10

    returned = record(supervisor, held.task, kind="return", units=10)
    assert returned.status_code == 201, returned.json()
    submission = Submission.objects.get(claim=held)  # her hand-in, made at the counter
    assert submission.submitted_units == 10 and submission.status == SubmissionStatus.PENDING
    assert Task.objects.get(pk=held.task_id).status == TaskStatus.SUBMITTED
    assert payable(mother) == 0  # nothing is paid before the pieces are checked

    checked = record(supervisor, held.task, kind="qc", units=8, defects=[{"reason": "线头没剪", "count": 2}])
    assert checked.status_code == 201, checked.json()
    review = Review.objects.get(submission=submission)
    assert (review.decision, review.accepted_units) == ("partial", 8)
    assert "线头没剪" in review.reason
    assert payable(mother) == 400  # 8 pieces × ¥0.50, once
    assert Handover.objects.get(kind="qc").review_id == review.pk
    assert Notice.objects.filter(user=mother, kind=NoticeKind.HANDOVER).count() == 2  # issued, returned
    assert Notice.objects.filter(user=mother, kind=NoticeKind.REVIEW_PARTIAL).count() == 1

    [row] = api_for(supervisor).get(f"/api/v1/projects/{batch.pk}/results").json()["results"]
    assert (row["units_issued"], row["units_returned"], row["units_accepted"], row["units_defective"]) == (10, 10, 8, 2)
    assert row["defects"] == {"线头没剪": 2} and row["units_missing"] == 0


def test_the_pieces_on_the_counter_are_what_is_checked(supervisor, mother, batch):
    held = claim(mother, batch)
    record(supervisor, held.task, kind="issue", units=10)
    submission = services.claim_submit(worker=mother, claim_id=held.pk, completed_units=10)  # her phone says 10
    assert record(supervisor, held.task, kind="return", units=9, unused=1).status_code == 201
    submission.refresh_from_db()
    assert submission.submitted_units == 9
    assert record(supervisor, held.task, kind="qc", units=9).status_code == 201
    assert Review.objects.get(submission=submission).decision == "accept"
    assert payable(mother) == 450


def test_counts_that_do_not_add_up_are_refused_and_change_nothing(supervisor, mother, batch):
    held = claim(mother, batch)
    assert record(supervisor, held.task, kind="issue", units=6).status_code == 201
    assert record(supervisor, held.task, kind="issue", units=4).status_code == 201  # topped up to the batch
    before = world()
    assert_refused(record(supervisor, held.task, kind="issue", units=1), 400, "handover_too_many", before)
    before = world()
    assert_refused(
        record(supervisor, held.task, kind="return", units=8, unused=3), 400, "handover_more_than_held", before
    )
    before = world()
    assert_refused(record(supervisor, held.task, kind="qc", units=1), 409, "handover_nothing_to_check", before)
    assert record(supervisor, held.task, kind="return", units=7, unused=1).status_code == 201
    assert Handover.objects.get(kind="return").missing == 2  # recorded, not charged
    before = world()
    assert_refused(
        record(supervisor, held.task, kind="qc", units=5, defects=[{"reason": "脏污", "count": 1}]),
        400,
        "handover_count_mismatch",
        before,
    )
    before = world()
    assert_refused(
        record(supervisor, held.task, kind="qc", units=7, defects=[{"reason": "", "count": 0}]), 400, "invalid", before
    )
    before = world()
    assert_refused(record(supervisor, held.task, kind="return", units=1), 409, "handover_nothing_held", before)


def test_kit_back_unused_gives_the_batch_back_without_a_mark(supervisor, mother, batch):
    held = claim(mother, batch)
    record(supervisor, held.task, kind="issue", units=10)
    assert record(supervisor, held.task, kind="return", units=0, unused=10).status_code == 201
    held.refresh_from_db()
    assert (held.status, held.release_kind) == (ClaimStatus.RELEASED, ReleaseKind.FREE)
    assert Task.objects.get(pk=held.task_id).status == TaskStatus.OPEN
    assert not Submission.objects.filter(claim=held).exists()


def test_while_she_holds_materials_the_batch_stays_hers_and_overdue_is_a_notice(
    supervisor, mother, other_mother, batch
):
    project = factories.project(supervisor, batch.company, tasks=1, units_per_task=10, title="手缝布包")
    held = claim(mother, project)
    record(supervisor, held.task, kind="issue", units=10)
    refused = api_for(mother).post(f"/api/v1/claims/{held.pk}/release", {"reason": "孩子病了"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "materials_held"

    with time_machine.travel(held.expires_at + datetime.timedelta(minutes=5), tick=False):
        assert jobs.claims_expire.call() == 0
        late = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=10))
        taken = api_for(other_mother).post(
            f"/api/v1/projects/{project.pk}/claim-next", {"slot": late.pk, "confirm_outside_availability": True}
        )
        assert (
            taken.json()["error"]["code"] == "no_task_available"
        )  # nobody else is given the batch whose kit is in her home
        assert jobs.returns_overdue_remind.call() == 1
        assert jobs.returns_overdue_remind.call() == 0  # once
        [overdue] = Notice.objects.filter(user=mother, kind=NoticeKind.RETURN_OVERDUE)
        assert "手缝布包" in overdue.text
        assert api_for(mother).get("/api/v1/claims").json()["results"][0]["live"] is True
        # Late, and still paid for what passes.
        assert record(supervisor, held.task, kind="return", units=10).status_code == 201
        assert record(supervisor, held.task, kind="qc", units=10).status_code == 201
    assert payable(mother) == 500
    assert Claim.objects.get(pk=held.pk).status == ClaimStatus.DONE


def test_who_may_record_and_see(supervisor, company, mother, other_mother, other_company, batch):
    held = claim(mother, batch)
    assert record(mother, held.task, kind="issue", units=1).status_code == 403
    assert record(factories.staff(other_company, Role.SUPERVISOR), held.task, kind="issue", units=1).status_code == 404
    assert record(factories.staff(company, Role.FINANCE), held.task, kind="issue", units=1).status_code == 403
    assert record(supervisor, held.task, kind="lend", units=1).status_code == 400
    assert record(supervisor, held.task, kind="issue", units=1).status_code == 201
    assert api_for(other_mother).get(f"/api/v1/tasks/{held.task_id}/handovers").status_code == 404
    staff_view = api_for(supervisor).get(f"/api/v1/tasks/{held.task_id}/handovers").json()
    assert staff_view["materials"]["holding"] == 1 and len(staff_view["handovers"]) == 1
    [listed] = api_for(mother).get("/api/v1/claims").json()["results"]
    assert listed["materials"]["issued"] == 1 and listed["materials"]["holding"] == 1


def test_only_assembly_hands_over(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    held = claim(mother, project)
    assert record(supervisor, held.task, kind="issue", units=1).json()["error"]["code"] == "handover_not_assembly"


def test_a_resent_quality_check_is_recorded_and_credited_once(supervisor, mother, batch):
    held = claim(mother, batch)
    record(supervisor, held.task, kind="issue", units=10)
    record(supervisor, held.task, kind="return", units=10)
    body = {"kind": "qc", "units": 10}
    first = record(supervisor, held.task, key="qc-1", **body)
    again = record(supervisor, held.task, key="qc-1", **body)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert record(supervisor, held.task, key="qc-1", kind="qc", units=9).status_code == 409  # another body
    assert Handover.objects.filter(kind="qc").count() == 1 and payable(mother) == 500
    assert record(supervisor, held.task, kind="qc", units=10).status_code == 409  # checked already


def test_work_decided_before_the_kit_came_back_still_takes_the_kit_back(supervisor, mother, batch):
    held = claim(mother, batch)
    record(supervisor, held.task, kind="issue", units=10)
    submission = services.claim_submit(worker=mother, claim_id=held.pk, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="revise", reason="请拍清楚成品")
    assert Task.objects.get(pk=held.task_id).claim_expires_at is None  # sent back for changes: still hers
    again = services.claim_submit(worker=mother, claim_id=held.pk, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=again.pk, decision="accept")
    assert payable(mother) == 500
    assert record(supervisor, held.task, kind="return", units=10).status_code == 201
    assert api_for(supervisor).get(f"/api/v1/tasks/{held.task_id}/handovers").json()["claim"] is None
    assert Handover.objects.get(kind="return").submission_id is None and payable(mother) == 500
    assert record(supervisor, held.task, kind="return", units=1).json()["error"]["code"] == "handover_nothing_held"

import datetime

import pytest
import time_machine
from django.utils import timezone

from core.errors import Invalid
from ledger.models import AccountKind, Direction, Posting, Transaction
from notices.models import Notice, NoticeKind, NoticeSettings
from realtime.models import OutboxEvent
from tasks import services
from tasks.errors import SubmitRepeated
from tasks.models import Claim, ClaimStatus, Kind, Submission, SubmissionStatus, Task, TaskStatus
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world


@pytest.fixture
def claimed(mother, assembly, slot):
    return api_for(mother).post(f"/api/v1/projects/{assembly.pk}/claim-next", {"slot": slot.pk}, format="json").json()


def submit(user, claim_id, **body):
    return api_for(user).post(f"/api/v1/claims/{claim_id}/submit", body, format="json")


def review(user, submission_id, **body):
    return api_for(user).post(f"/api/v1/submissions/{submission_id}/review", body, format="json")


def claim_of(user, project, slot):
    url = f"/api/v1/projects/{project.pk}/claim-next"
    return api_for(user).post(url, {"slot": slot.pk}, format="json").json()


# --- submit ------------------------------------------------------------------


def test_assembly_submission(mother, claimed):
    response = submit(mother, claimed["id"], completed_units=8)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["submitted_units"] == 8
    assert Claim.objects.get(pk=claimed["id"]).status == ClaimStatus.SUBMITTED
    assert Task.objects.get(pk=claimed["task"]["id"]).status == TaskStatus.SUBMITTED


@pytest.mark.parametrize("units", [0, 11, -1, "x", None])
def test_assembly_submission_units_out_of_range(mother, claimed, units):
    before = world()
    body = {} if units is None else {"completed_units": units}

    assert_refused(submit(mother, claimed["id"], **body), 400, "invalid", before)


def test_copywriting_submission_needs_text(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    claimed = claim_of(mother, project, factories.slot(supervisor, project))
    before = world()

    assert_refused(submit(mother, claimed["id"], text="   "), 400, "text_required", before)
    response = submit(mother, claimed["id"], text="纯棉面料，柔软亲肤。")
    assert response.status_code == 201
    assert response.json()["text"] == "纯棉面料，柔软亲肤。"


def test_labelling_submission_needs_every_item_labelled_from_the_set(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=3)
    claimed = claim_of(mother, project, factories.slot(supervisor, project))
    items = [i["id"] for i in claimed["task"]["items"]]
    assert [i["text"] for i in claimed["task"]["items"]] == ["评论 0", "评论 1", "评论 2"]
    before = world()

    missing = submit(mother, claimed["id"], labels={str(items[0]): "好评"})
    assert_refused(missing, 400, "invalid_labels", before)
    assert missing.json()["error"]["details"]["missing"] == [str(items[1]), str(items[2])]
    wrong = submit(mother, claimed["id"], labels={str(i): "很好" for i in items})
    assert_refused(wrong, 400, "invalid_labels", before)
    extra = submit(mother, claimed["id"], labels={**{str(i): "好评" for i in items}, "999999": "好评"})
    assert_refused(extra, 400, "invalid_labels", before)

    ok = submit(mother, claimed["id"], labels={str(i): "差评" for i in items})
    assert ok.status_code == 201
    assert ok.json()["submitted_units"] == 3


def test_submit_someone_elses_claim_is_not_found(other_mother, claimed):
    before = world()

    assert_refused(submit(other_mother, claimed["id"], completed_units=1), 404, "not_found", before)


def test_submit_twice_is_refused(mother, claimed):
    submit(mother, claimed["id"], completed_units=10)
    before = world()

    assert_refused(submit(mother, claimed["id"], completed_units=10), 409, "claim_not_active", before)


def test_a_hand_in_from_a_form_drawn_before_her_newest_one_is_refused(supervisor, mother, claimed):
    # Her first hand-in was sent back for changes; the form she had open before it is sent again.
    first = services.claim_submit(worker=mother, claim_id=claimed["id"], completed_units=10, after_submission_id=0)
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="revise", reason="请补拍照片")
    before = world()

    with pytest.raises(SubmitRepeated) as refused:
        services.claim_submit(worker=mother, claim_id=claimed["id"], completed_units=10, after_submission_id=0)

    assert refused.value.details == {"submission": first.pk} and world() == before
    # The form drawn after the review hands in the second round.
    again = services.claim_submit(
        worker=mother, claim_id=claimed["id"], completed_units=9, after_submission_id=first.pk
    )
    assert again.submitted_units == 9 and Submission.objects.count() == 2


def test_a_nul_character_in_the_text_is_refused_by_the_service_too(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    claimed = claim_of(mother, project, factories.slot(supervisor, project))
    before = world()

    with pytest.raises(Invalid) as refused:
        services.claim_submit(worker=mother, claim_id=claimed["id"], text="纯棉\x00面料")

    assert refused.value.details == {"field": "text"} and world() == before


# --- review ------------------------------------------------------------------


@pytest.fixture
def submission(mother, claimed):
    return submit(mother, claimed["id"], completed_units=10).json()


def payable_balance(user):
    postings = Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=user)
    return sum(p.amount_fen if p.direction == Direction.CREDIT else -p.amount_fen for p in postings)


def test_accept_credits_the_ledger_once(supervisor, mother, submission, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = review(supervisor, submission["id"], decision="accept", score=5)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["review"]["accepted_units"] == 10
    task = Task.objects.get(pk=submission["task"]["id"])
    assert task.status == TaskStatus.ACCEPTED and task.accepted_units == 10
    assert Claim.objects.get(pk=submission["claim"]).status == ClaimStatus.DONE
    txn = Transaction.objects.get()
    assert txn.key == f"review:{Submission.objects.get(pk=submission['id']).review.pk}"
    assert sorted(txn.postings.values_list("direction", "amount_fen", "account__kind")) == [
        ("C", 500, "payable"),
        ("D", 500, "expense"),
    ]
    assert payable_balance(mother) == 500
    credited = OutboxEvent.objects.get(type="ledger.credited")
    assert credited.group == f"worker.{mother.pk}"
    assert credited.data["amount_fen"] == 500 and credited.data["amount_display"] == "¥5.00"
    decided = OutboxEvent.objects.get(type="review.decided", group=f"worker.{mother.pk}")
    assert decided.data["decision"] == "accept"

    before = world()
    assert_refused(review(supervisor, submission["id"], decision="accept"), 409, "already_reviewed", before)


def test_partial_needs_a_reason_and_units_within_what_was_submitted(supervisor, mother, submission):
    before = world()
    assert_refused(
        review(supervisor, submission["id"], decision="partial", accepted_units=5), 400, "reason_required", before
    )
    too_many = review(supervisor, submission["id"], decision="partial", accepted_units=11, reason="线头")
    assert_refused(too_many, 400, "invalid", before)

    response = review(supervisor, submission["id"], decision="partial", accepted_units=7, reason="3 件线头没剪")

    assert response.status_code == 200
    assert response.json()["status"] == "partially_accepted"
    assert Task.objects.get(pk=submission["task"]["id"]).accepted_units == 7
    assert payable_balance(mother) == 350


def test_reject_needs_a_reason_and_credits_nothing(supervisor, mother, submission):
    before = world()
    assert_refused(review(supervisor, submission["id"], decision="reject"), 400, "reason_required", before)

    response = review(supervisor, submission["id"], decision="reject", reason="与样品不符")

    assert response.json()["status"] == "rejected"
    assert Task.objects.get(pk=submission["task"]["id"]).status == TaskStatus.REJECTED
    assert Transaction.objects.count() == 0


@pytest.fixture
def no_quiet_hours(mother):
    """These deadlines are exact whatever the hour the tests run at: no quiet hours to move them
    out of (tests/tasks/test_revise_deadline.py has those)."""
    NoticeSettings.objects.update_or_create(
        user=mother, defaults={"quiet_start": datetime.time(0), "quiet_end": datetime.time(0)}
    )


def test_revise_sends_it_back_to_the_same_mother_with_more_time(
    supervisor, mother, assembly, submission, no_quiet_hours
):
    claim = Claim.objects.get(pk=submission["claim"])
    before = world()
    assert_refused(review(supervisor, submission["id"], decision="revise"), 400, "reason_required", before)

    response = review(supervisor, submission["id"], decision="revise", reason="请补拍照片")

    assert response.json()["status"] == "revision_requested"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE
    assert claim.expires_at == claim.slot.ends_at + datetime.timedelta(minutes=2 * assembly.grace_minutes)
    task = Task.objects.get(pk=submission["task"]["id"])
    assert task.status == TaskStatus.CLAIMED and task.claim_expires_at == claim.expires_at
    [notice] = Notice.objects.filter(user=mother, kind=NoticeKind.REVIEW_REVISE)
    assert timezone.localtime(claim.expires_at).strftime("%m-%d %H:%M") in notice.text  # the new deadline
    # She fixes it and hands it in again; the second round is accepted and credited.
    again = submit(mother, claim.pk, completed_units=10).json()
    assert again["id"] != submission["id"]
    assert review(supervisor, again["id"], decision="accept").status_code == 200
    assert payable_balance(mother) == 500


def test_revise_after_the_deadline_extends_from_now(supervisor, mother, assembly, submission, no_quiet_hours):
    claim = Claim.objects.get(pk=submission["claim"])
    late = claim.expires_at + datetime.timedelta(hours=3)

    with time_machine.travel(late, tick=False):
        review(supervisor, submission["id"], decision="revise", reason="请重做")
        claim.refresh_from_db()
        assert claim.expires_at == late + datetime.timedelta(minutes=assembly.grace_minutes)


def test_finance_cannot_review(finance, submission):
    before = world()

    assert_refused(review(finance, submission["id"], decision="accept"), 403, "forbidden", before)


def test_a_mother_cannot_review(mother, submission):
    before = world()

    assert_refused(review(mother, submission["id"], decision="accept"), 403, "forbidden", before)


def test_unknown_decision_is_a_400(supervisor, submission):
    before = world()

    assert_refused(review(supervisor, submission["id"], decision="maybe"), 400, "invalid", before)


def test_sub_fen_rates_round_half_up_once(supervisor, company, mother):
    # 3 items × ¥0.035 = ¥0.105 → 11 fen (half-up), posted once.
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=3)
    claimed = claim_of(mother, project, factories.slot(supervisor, project))
    labels = {str(i["id"]): "好评" for i in claimed["task"]["items"]}
    sub = submit(mother, claimed["id"], labels=labels).json()

    review(supervisor, sub["id"], decision="accept")

    assert payable_balance(mother) == 11


def test_review_queue_is_oldest_first_and_shows_only_pending(supervisor, assembly, slot):
    mothers = [factories.mother() for _ in range(3)]
    ids = []
    for offset, m in enumerate(mothers):
        with time_machine.travel(datetime.timedelta(minutes=offset)):
            c = claim_of(m, assembly, slot)
            ids.append(submit(m, c["id"], completed_units=10).json()["id"])
    review(supervisor, ids[1], decision="accept")

    queue = api_for(supervisor).get("/api/v1/reviews/queue").json()

    assert [s["id"] for s in queue["results"]] == [ids[0], ids[2]]
    assert Submission.objects.filter(status=SubmissionStatus.PENDING).count() == 2


def test_earnings_show_balance_weeks_and_postings(supervisor, mother, submission):
    review(supervisor, submission["id"], decision="accept")

    body = api_for(mother).get("/api/v1/earnings").json()

    assert body["balance_fen"] == 500 and body["balance_display"] == "¥5.00"
    assert body["this_week_fen"] == 500
    assert len(body["weeks"]) == 8 and body["weeks"][-1]["credited_fen"] == 500
    assert [(p["amount_fen"], p["task"], p["units"]) for p in body["recent"]] == [(500, submission["task"]["id"], 10)]


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "accept", "score": 4},
        {"decision": "partial", "accepted_units": 6, "reason": "四件线头没剪"},
        {"decision": "reject", "reason": "不是这个款式"},
        {"decision": "revise", "reason": "请补拍背面"},
    ],
)
def test_the_review_answer_is_the_submission_as_read_afterwards(supervisor, mother, submission, body):
    from tasks.serializers import SubmissionOut

    response = review(supervisor, submission["id"], **body)

    assert response.status_code == 200, response.content
    fresh = Submission.objects.select_related("project__company", "task", "worker__worker_profile", "review")
    assert response.json() == SubmissionOut(fresh.get(pk=submission["id"])).data


def test_a_labelling_review_answer_lists_its_items_and_photos_only_for_assembly(supervisor, company, mother):
    from tasks.serializers import SubmissionOut

    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=2)
    claimed = claim_of(mother, project, factories.slot(supervisor, project))
    labels = {str(item["id"]): "好评" for item in claimed["task"]["items"]}
    handed = submit(mother, claimed["id"], labels=labels).json()

    response = review(supervisor, handed["id"], decision="accept")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["text"] for item in body["task"]["items"]] == ["评论 0", "评论 1"] and body["photos"] == []
    assert body == SubmissionOut(Submission.objects.get(pk=handed["id"])).data


def test_a_review_of_a_submission_she_may_not_see_is_a_404_whatever_the_body(supervisor, submission, company):
    stranger = factories.staff(factories.CompanyFactory(name="丙公司"))
    before = world()

    assert_refused(review(stranger, submission["id"], decision="maybe"), 404, "not_found", before)
    assert_refused(review(stranger, submission["id"], decision="accept"), 404, "not_found", before)
    assert_refused(review(supervisor, 10**9, decision="maybe"), 404, "not_found", before)

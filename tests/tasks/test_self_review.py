"""Nobody reviews her own submission: a mother hired as a supervisor (or a supervisor who gave herself
a mother's profile) cannot accept her own work and pay herself; another supervisor, or the
review window's auto-accept, decides it."""

import datetime

import pytest
import time_machine
from django.test import Client

from accounts.models import Membership, Role
from accounts.services import membership_set
from ledger.models import Transaction
from tasks import jobs, services
from tasks.errors import OwnSubmission
from tasks.models import Review, Submission, SubmissionStatus
from tests.conftest import api_for
from tests.snapshots import assert_refused, world


def hand_in(mother, project, slot, units=10) -> Submission:
    claim = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    return services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=units)


@pytest.fixture
def her_own(company, mother, assembly, slot):
    """A mother's work waits for review; then the company makes her a supervisor."""
    submission = hand_in(mother, assembly, slot)
    membership_set(actor=None, company=company, user=mother, role=Role.SUPERVISOR)
    return submission


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "accept"},
        {"decision": "partial", "accepted_units": 5, "reason": "少了五件"},
        {"decision": "reject", "reason": "不合格"},
        {"decision": "revise", "reason": "再改改"},
    ],
)
def test_nobody_reviews_her_own_submission(mother, her_own, body):
    before = world()

    response = api_for(mother).post(f"/api/v1/submissions/{her_own.pk}/review", body, format="json")

    assert_refused(response, 403, "own_submission", before)
    assert Submission.objects.get(pk=her_own.pk).status == SubmissionStatus.PENDING
    assert not Transaction.objects.exists()


def test_the_refusal_is_in_chinese_and_the_service_refuses_too(mother, her_own):
    response = api_for(mother).post(
        f"/api/v1/submissions/{her_own.pk}/review",
        {"decision": "accept"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json()["error"]["message"] == "自己交的活不能自己审核，请由其他审核员审核。"

    with pytest.raises(OwnSubmission):
        services.submission_review(actor=mother, submission_id=her_own.pk, decision="accept")
    assert not Review.objects.exists()


def test_a_supervisor_who_gave_herself_a_profile_cannot_review_work_handed_in_before(
    company, supervisor, assembly, slot
):
    """The request of the finding: PUT /me/profile makes the supervisor a worker too."""
    made = api_for(supervisor).put(
        "/api/v1/me/profile", {"display_name": "审核员自己", "region": "广东省", "city": "佛山市"}, format="json"
    )
    assert made.status_code == 200
    # However her work reached the queue (the claim rule of the other lane may keep her out
    # of her company's tasks): it is written here as a mother's work would be.
    Membership.objects.filter(user=supervisor, company=company).delete()
    supervisor = type(supervisor).objects.get(pk=supervisor.pk)  # read afresh, as a request would
    submission = hand_in(supervisor, assembly, slot)
    Membership.objects.create(user=supervisor, company=company, role=Role.SUPERVISOR)
    before = world()

    response = api_for(supervisor).post(f"/api/v1/submissions/{submission.pk}/review", {"decision": "accept"})

    assert_refused(response, 403, "own_submission", before)


def test_her_own_submission_is_not_in_her_queue_but_in_the_others(supervisor, mother, other_mother, her_own):
    theirs = hand_in(other_mother, her_own.project, her_own.claim.slot)

    hers = api_for(mother).get("/api/v1/reviews/queue").json()
    colleague = api_for(supervisor).get("/api/v1/reviews/queue").json()

    assert [s["id"] for s in hers["results"]] == [theirs.pk]
    assert [s["id"] for s in colleague["results"]] == [her_own.pk, theirs.pk]
    accepted = api_for(supervisor).post(f"/api/v1/submissions/{her_own.pk}/review", {"decision": "accept"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert Transaction.objects.get().worker_id == mother.pk


def test_the_review_page_does_not_offer_her_own_submission(mother, other_mother, her_own):
    client = Client()
    client.force_login(mother)

    assert "都审完了" in client.get("/work/review/", follow=True).content.decode()
    assert client.get("/work/review/count").json() == {"waiting": 0}
    page = client.get(f"/work/review/{her_own.pk}/").content.decode()
    assert "自己交的活不能自己审核" in page and 'name="decision"' not in page
    before = world()
    posted = client.post(f"/work/review/{her_own.pk}/decide", {"decision": "accept"})
    assert posted.status_code == 400 and "自己交的活不能自己审核" in posted.content.decode()
    assert world() == before

    theirs = hand_in(other_mother, her_own.project, her_own.claim.slot)
    assert client.get("/work/review/")["Location"] == f"/work/review/{theirs.pk}/"
    assert client.get("/work/review/count").json() == {"waiting": 1}


def test_her_own_submission_left_unreviewed_is_still_accepted_automatically(mother, her_own):
    with time_machine.travel(her_own.review_due_at + datetime.timedelta(minutes=1), tick=False):
        assert jobs.submissions_auto_accept.call() == 1

    her_own.refresh_from_db()
    assert her_own.status == SubmissionStatus.ACCEPTED and her_own.review.reviewer is None
    assert Transaction.objects.get().key == f"review:{her_own.review.pk}"

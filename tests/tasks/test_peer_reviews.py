"""Peer review: a mother at a skill's top level reviews others' hand-ins of it (never her own, never a
relative's), paid once per review; supervisors audit a sample, and overturns count against her."""

from decimal import Decimal

import pytest

from accounts.models import Role
from ledger.models import Transaction
from notices.models import Notice, NoticeKind
from skills import services as skill_services
from skills.models import Skill, WorkerSkill
from tasks import peer_queue, services
from tasks.models import PeerAudit, Project, Review, Submission, SubmissionStatus, Task
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world
from workers.models import DeclaredRelative


def hand_in(mother, project, slot, units=10) -> Submission:
    claim = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    return services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=units)


@pytest.fixture
def skill(company, supervisor):
    made = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    return skill_services.skill_peer_review_set(actor=supervisor, skill_id=made.pk, open=True, rate="0.50")


@pytest.fixture
def project(supervisor, company, skill):
    made = factories.project(supervisor, company, tasks=8, units_per_task=10)
    Project.objects.filter(pk=made.pk).update(skill=skill)
    made.refresh_from_db()
    return made


@pytest.fixture
def project_slot(supervisor, project):
    return factories.slot(supervisor, project)


@pytest.fixture
def peer(skill):
    """A mother at the skill's top level."""
    mother = factories.mother()
    WorkerSkill.objects.create(worker=mother, skill=skill, level=skill.levels)
    return mother


@pytest.fixture
def work(mother, project, project_slot):
    return hand_in(mother, project, project_slot)


def decide(peer, submission, body, **headers):
    return api_for(peer).post(f"/api/v1/peer-reviews/{submission.pk}", body, format="json", **headers)


def payable_fen(user) -> int:
    total = 0
    for txn in Transaction.objects.filter(worker=user).prefetch_related("postings"):
        total += sum(p.amount_fen for p in txn.postings.all() if p.direction == "C")
    return total


# --- Rights: top level, open, good standing ---


def test_a_peer_at_the_top_level_decides_and_is_paid_once(peer, mother, work):
    response = decide(peer, work, {"decision": "accept"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 200, response.content
    review = Review.objects.get(submission=work)
    assert review.by_peer and review.reviewer_id == peer.pk and review.accepted_units == 10
    assert payable_fen(mother) == 500  # 10 × ¥0.50, as any review credits her
    pay = Transaction.objects.get(key=f"peer_review:{review.pk}")
    assert pay.worker_id == peer.pk and payable_fen(peer) == 50

    again = decide(peer, work, {"decision": "accept"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json() == response.json()
    before = world()
    assert_refused(decide(peer, work, {"decision": "accept"}), 409, "already_reviewed", before)
    assert Transaction.objects.filter(key__startswith="peer_review:").count() == 1


def test_the_answer_is_pseudonymous(peer, mother, work):
    body = api_for(peer).get("/api/v1/peer-reviews").json()

    assert body["standing"] == {"audited": 0, "overturned": 0, "suspended": False}
    [skill] = body["skills"]
    assert [s["id"] for s in skill["submissions"]] == [work.pk]
    shown = str(body)
    assert "worker" not in skill["submissions"][0] and "claim" not in skill["submissions"][0]
    assert mother.phone[3:] not in shown and mother.worker_profile.display_name not in shown


def test_below_the_top_level_she_is_refused(peer, skill, work):
    WorkerSkill.objects.filter(worker=peer).update(level=skill.levels - 1)
    before = world()

    assert_refused(decide(peer, work, {"decision": "accept"}), 403, "peer_review_not_open", before)
    assert_refused(api_for(peer).get("/api/v1/peer-reviews"), 403, "peer_review_not_open", before)


def test_closed_peer_review_refuses(peer, skill, supervisor, work):
    skill_services.skill_peer_review_set(actor=supervisor, skill_id=skill.pk, open=False)
    before = world()

    assert_refused(decide(peer, work, {"decision": "accept"}), 403, "peer_review_not_open", before)


def test_a_peer_cannot_review_her_own_submission(peer, project, project_slot):
    her_own = hand_in(peer, project, project_slot)
    before = world()

    assert_refused(decide(peer, her_own, {"decision": "accept"}), 403, "own_submission", before)
    assert not peer_queue.peer_queue_for(peer).filter(pk=her_own.pk).exists()
    assert Submission.objects.get(pk=her_own.pk).status == SubmissionStatus.PENDING


@pytest.mark.parametrize("who_declared", ["peer", "author"])
def test_never_a_relatives_work(peer, mother, work, who_declared):
    if who_declared == "peer":
        DeclaredRelative.objects.create(worker=peer, phone=mother.phone)
    else:
        DeclaredRelative.objects.create(worker=mother, phone=peer.phone)
    before = world()

    assert not peer_queue.peer_queue_for(peer).exists()
    assert_refused(decide(peer, work, {"decision": "accept"}), 404, "not_found", before)


def test_not_work_of_a_company_where_she_is_staff(peer, company, work):
    factories.MembershipFactory(company=company, user=peer, role=Role.FINANCE)
    before = world()

    assert not peer_queue.peer_queue_for(peer).exists()
    assert_refused(decide(peer, work, {"decision": "accept"}), 404, "not_found", before)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"decision": "reject"}, "reason_required"),
        ({"decision": "partial", "accepted_units": 5, "reason": " "}, "reason_required"),
        ({"decision": "partial", "accepted_units": 11, "reason": "少了"}, "invalid"),
        ({"decision": "partial", "reason": "少了"}, "invalid"),
    ],
)
def test_the_same_reason_rules_as_a_supervisors(peer, work, body, code):
    before = world()

    assert_refused(decide(peer, work, body), 400, code, before)


# --- Audits ---


def peer_decided(peer, work, body) -> Review:
    assert decide(peer, work, body).status_code == 200
    return Review.objects.get(submission=work)


def audit(actor, review, body):
    return api_for(actor).post(f"/api/v1/reviews/{review.pk}/audit", body, format="json")


def test_the_sample_is_of_her_companys_unaudited_peer_reviews(peer, supervisor, work, other_company):
    review = peer_decided(peer, work, {"decision": "accept"})

    sample = api_for(supervisor).get("/api/v1/peer-reviews/audit-sample?size=5").json()
    assert [r["id"] for r in sample] == [review.pk] and sample[0]["reviewer"]["id"] == peer.pk
    outsider = factories.staff(other_company)
    assert api_for(outsider).get("/api/v1/peer-reviews/audit-sample").json() == []


def test_an_upheld_audit_changes_nothing_of_hers_and_is_once(peer, supervisor, mother, work):
    review = peer_decided(peer, work, {"decision": "accept"})
    fen_before = payable_fen(mother)

    response = audit(supervisor, review, {"outcome": "uphold", "reason": ""})

    assert response.status_code == 201, response.content
    assert PeerAudit.objects.get(review=review).outcome == "upheld"
    assert payable_fen(mother) == fen_before
    before = world()
    assert_refused(audit(supervisor, review, {"outcome": "uphold"}), 409, "already_audited", before)
    assert PeerAudit.objects.count() == 1


def test_an_overturn_up_credits_the_difference_once(peer, supervisor, mother, work):
    review = peer_decided(peer, work, {"decision": "partial", "accepted_units": 5, "reason": "少了五件"})
    assert payable_fen(mother) == 250
    before = world()
    assert_refused(
        audit(supervisor, review, {"outcome": "overturn", "decision": "accept"}), 400, "reason_required", before
    )

    response = audit(supervisor, review, {"outcome": "overturn", "decision": "accept", "reason": "十件都合格"})

    assert response.status_code == 201, response.content
    done = PeerAudit.objects.get(review=review)
    assert (done.units_before, done.units_after) == (5, 10)
    assert Transaction.objects.get(key=f"audit:{done.pk}").units == 5
    assert payable_fen(mother) == 500
    assert Submission.objects.get(pk=work.pk).status == SubmissionStatus.ACCEPTED
    assert Task.objects.get(pk=work.task_id).accepted_units == 10
    told = Notice.objects.get(user=peer, kind=NoticeKind.PEER_OVERTURNED)
    assert told.data == {"review": review.pk, "submission": work.pk, "project": work.project_id}
    assert audit(supervisor, review, {"outcome": "overturn", "decision": "accept", "reason": "再来"}).status_code == 409
    assert Transaction.objects.filter(key__startswith="audit:").count() == 1


def test_an_overturn_down_takes_nothing_back_but_counts(peer, supervisor, mother, work):
    review = peer_decided(peer, work, {"decision": "accept"})

    response = audit(supervisor, review, {"outcome": "overturn", "decision": "reject", "reason": "都不合格"})

    assert response.status_code == 201, response.content
    assert payable_fen(mother) == 500  # the company bears its reviewer's mistake
    assert not Transaction.objects.filter(key__startswith="audit:").exists()
    assert Submission.objects.get(pk=work.pk).status == SubmissionStatus.ACCEPTED
    assert peer_queue.standing_of(peer).overturned == 1


def test_neither_the_peer_nor_the_author_audits(peer, company, mother, work):
    review = peer_decided(peer, work, {"decision": "accept"})
    factories.MembershipFactory(company=company, user=peer, role=Role.SUPERVISOR)
    before = world()

    assert_refused(audit(peer, review, {"outcome": "uphold"}), 403, "auditor_involved", before)


def test_a_supervisors_review_is_not_audited(supervisor, admin_user, work):
    services.submission_review(actor=supervisor, submission_id=work.pk, decision="accept")
    review = Review.objects.get(submission=work)
    before = world()

    assert_refused(audit(admin_user, review, {"outcome": "uphold"}), 409, "not_peer_review", before)


def test_overturns_suspend_her(peer, supervisor, project, project_slot):
    authors = [factories.mother() for _ in range(4)]
    reviews = [peer_decided(peer, hand_in(a, project, project_slot), {"decision": "accept"}) for a in authors]
    for review, outcome in zip(reviews, ["uphold", "uphold", "uphold", "overturn"], strict=True):
        assert (
            audit(supervisor, review, {"outcome": outcome, "decision": "reject", "reason": "不合格"}).status_code == 201
        )
    assert not peer_queue.standing_of(peer).suspended  # 1 of 4 is 25%: not above

    fifth = factories.mother()
    fifth_work = hand_in(fifth, project, project_slot)
    review = peer_decided(peer, fifth_work, {"decision": "accept"})
    assert (
        audit(supervisor, review, {"outcome": "overturn", "decision": "reject", "reason": "不合格"}).status_code == 201
    )
    sixth = hand_in(factories.mother(), project, project_slot)
    before = world()

    response = decide(peer, sixth, {"decision": "accept"})
    assert_refused(response, 403, "peer_review_suspended", before)
    assert response.json()["error"]["details"] == {"audited": 5, "overturned": 2}
    assert_refused(api_for(peer).get("/api/v1/peer-reviews"), 403, "peer_review_suspended", before)


# --- Opening peer review ---


def test_opening_tells_each_mother_at_the_top_level(supervisor, company):
    made = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="情感标注")
    top, below = factories.mother(), factories.mother()
    WorkerSkill.objects.create(worker=top, skill=made, level=made.levels)
    WorkerSkill.objects.create(worker=below, skill=made, level=1)

    response = api_for(supervisor).post(
        f"/api/v1/skills/{made.pk}/peer-review", {"open": True, "rate": "0.80"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert Skill.objects.get(pk=made.pk).peer_review_rate == Decimal("0.8")
    assert list(Notice.objects.filter(kind=NoticeKind.PEER_REVIEW_OPEN).values_list("user_id", "data")) == [
        (top.pk, {"skill": made.pk})
    ]


def test_opening_needs_staff(peer, skill):
    before = world()

    response = api_for(peer).post(f"/api/v1/skills/{skill.pk}/peer-review", {"open": False}, format="json")

    assert response.status_code == 403
    assert world() == before


# --- Her 互审 page ---


def page_client(user):
    from django.test import Client

    profile = user.worker_profile
    profile.display_name, profile.city, profile.youngest_birth_year = "李妈妈", "佛山市", 2022
    profile.save()
    client = Client()
    client.force_login(user)
    return client


def test_the_page_is_linked_only_for_a_peer_reviewer(peer, other_mother):
    assert 'id="peer-reviews-link"' in page_client(peer).get("/m/me/").content.decode()
    assert 'id="peer-reviews-link"' not in page_client(other_mother).get("/m/me/").content.decode()
    assert page_client(other_mother).get("/m/peer-reviews/").status_code == 403


def test_she_decides_on_the_page_and_a_resend_is_no_error(peer, mother, work):
    client = page_client(peer)
    page = client.get("/m/peer-reviews/").content.decode()
    assert f'id="peer-{work.pk}"' in page and mother.worker_profile.display_name not in page

    body = {"decision": "partial", "accepted_units": "6", "reason": "四件线头没剪"}
    response = client.post(f"/m/peer-reviews/{work.pk}", body)
    again = client.post(f"/m/peer-reviews/{work.pk}", body, follow=True)

    assert response.status_code == 302
    assert Review.objects.get(submission=work).accepted_units == 6
    assert Transaction.objects.filter(key__startswith="peer_review:").count() == 1
    assert "msg success" in again.content.decode()


def test_a_refusal_on_the_page_changes_nothing(peer, work):
    client = page_client(peer)
    before = world()

    response = client.post(f"/m/peer-reviews/{work.pk}", {"decision": "reject", "reason": ""}, follow=True)

    assert response.status_code == 200 and "msg error" in response.content.decode()
    assert world() == before


# --- Query strings: digits that are not ASCII are a 400, never a 500 ---


@pytest.mark.parametrize("query", ["skill=²", "skill=¹", "skill=٣", "skill=-1", "skill=1x"])
def test_a_queue_filter_that_is_not_ascii_digits_is_a_400(peer, work, query):
    before = world()

    assert_refused(api_for(peer).get(f"/api/v1/peer-reviews?{query}"), 400, "invalid", before)


@pytest.mark.parametrize("query", ["size=²", "skill=¹", "size=٣", "skill=" + "9" * 30])
def test_an_audit_sample_query_that_is_not_ascii_digits_is_a_400(supervisor, query):
    before = world()

    response = api_for(supervisor).get(f"/api/v1/peer-reviews/audit-sample?{query}")

    assert_refused(response, 400, "invalid", before)


def test_a_resent_audit_with_its_key_answers_as_the_first(peer, supervisor, work):
    review = peer_decided(peer, work, {"decision": "accept"})
    client = api_for(supervisor)
    url = f"/api/v1/reviews/{review.pk}/audit"
    first = client.post(url, {"outcome": "uphold"}, format="json", HTTP_IDEMPOTENCY_KEY="audit-1")
    again = client.post(url, {"outcome": "uphold"}, format="json", HTTP_IDEMPOTENCY_KEY="audit-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert PeerAudit.objects.count() == 1


def test_a_peer_names_the_labels_she_does_not_accept_and_sends_nothing_back(supervisor, company, skill, peer, mother):
    labelling = factories.project(supervisor, company, kind="labelling", tasks=1, units_per_task=4)
    Project.objects.filter(pk=labelling.pk).update(skill=skill)
    slot = factories.slot(supervisor, labelling)
    claim = services.task_claim_next(worker=mother, project_id=labelling.pk, slot_id=slot.pk)
    items = list(claim.task.items.order_by("position"))
    submission = services.claim_submit(
        worker=mother, claim_id=claim.pk, labels={str(i.pk): labelling.label_set[0] for i in items}
    )
    before = world()
    refused = decide(peer, submission, {"decision": "partial", "reason": "有错", "rejected_items": [999_999]})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_rejected_items"
    assert world() == before

    response = decide(
        peer, submission, {"decision": "partial", "reason": "第一条标错", "rejected_items": [items[0].pk]}
    )
    assert response.status_code == 200, response.content
    review = Review.objects.get(submission=submission)
    assert (review.by_peer, review.accepted_units, review.rejected_items) == (True, 3, [items[0].pk])
    # Not back in the pool: she could claim them herself (she never held a task of the group).
    assert not Task.objects.filter(project=labelling, status="open").exists()

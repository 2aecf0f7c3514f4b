"""Peer review under races (PostgreSQL): two peers deciding one hand-in pay one of them once; two
supervisors overturning one peer review audit it once and credit the difference once."""

import pytest
from django.db.models import Q
from rest_framework.test import APIClient

from accounts.models import Role
from ledger.models import Transaction
from skills import services as skill_services
from skills.models import WorkerSkill
from tasks import services
from tasks.models import PeerAudit, Project, Review
from tests import factories
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hand_in(on_postgres, company, supervisor):
    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    skill_services.skill_peer_review_set(actor=supervisor, skill_id=skill.pk, open=True, rate="0.50")
    project = factories.project(supervisor, company, tasks=2, units_per_task=10)
    Project.objects.filter(pk=project.pk).update(skill=skill)
    slot = factories.slot(supervisor, project)
    author = factories.mother()
    claim = services.task_claim_next(worker=author, project_id=project.pk, slot_id=slot.pk)
    submission = services.claim_submit(worker=author, claim_id=claim.pk, completed_units=10)
    peers = [factories.mother() for _ in range(4)]
    for peer in peers:
        WorkerSkill.objects.create(worker=peer, skill=skill, level=skill.levels)
    return submission, peers


def post(user, url, body):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(url, body, format="json")
    return response.status_code, response.json()


def test_peers_racing_on_one_hand_in_pay_one_review_once(hand_in):
    submission, peers = hand_in

    results = at_once(4, lambda i: post(peers[i], f"/api/v1/peer-reviews/{submission.pk}", {"decision": "accept"}))

    assert [code for code, _ in results].count(200) == 1
    assert {body["error"]["code"] for code, body in results if code != 200} == {"already_reviewed"}
    review = Review.objects.get(submission=submission)
    assert list(Transaction.objects.filter(key__startswith="peer_review:").values_list("key", flat=True)) == [
        f"peer_review:{review.pk}"
    ]


def test_auditors_racing_on_one_overturn_credit_the_difference_once(hand_in, company):
    submission, peers = hand_in
    body = {"decision": "partial", "accepted_units": 4, "reason": "六件不合格"}
    assert post(peers[0], f"/api/v1/peer-reviews/{submission.pk}", body)[0] == 200
    review = Review.objects.get(submission=submission)
    auditors = [factories.staff(company, Role.SUPERVISOR) for _ in range(4)]
    overturn = {"outcome": "overturn", "decision": "accept", "reason": "都合格"}

    results = at_once(4, lambda i: post(auditors[i], f"/api/v1/reviews/{review.pk}/audit", overturn))

    assert [code for code, _ in results].count(201) == 1
    assert {body["error"]["code"] for code, body in results if code != 201} == {"already_audited"}
    assert PeerAudit.objects.count() == 1
    assert Transaction.objects.filter(Q(key__startswith="audit:")).count() == 1

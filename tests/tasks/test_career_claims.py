"""The career rule on every claim path (tasks.career.skill_refusal; the claim function v5 leaves
such work to the ORM path): a mother without the skill's level is refused with ``skill_required``
and its details — through the API's claim of a task and claim-next, through the claim fast path
and the DRF view behind it, through the ORM path itself, and through her page — and nothing
changes; a mother with the level claims on every path; a training is one attempt at a time."""

import html
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from skills import services as skill_services
from skills.errors import SkillRequired, TrainingAttemptsUsed, TrainingPassed
from skills.models import WorkerSkill
from tasks import career, services
from tasks.errors import ClaimLimitReached, TrainingInReview
from tasks.models import Claim
from tasks.services import claims
from tests import factories, snapshots
from tests.conftest import api_for
from tests.tasks.test_fastpath import _one_event_loop, via_asgi, via_drf  # noqa: F401 (the loop fixture)

# The fast path runs the service on another thread, which must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def skill(supervisor, company):
    return skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")


@pytest.fixture
def sewing(supervisor, company, skill):
    """Work that needs level 2 of the skill, and pays level 2 more."""
    return factories.project(
        supervisor, company, tasks=3, claim_limit=5, skill=skill.pk, min_level=2, piece_rate_by_level={"2": "0.60"}
    )


@pytest.fixture
def training(supervisor, company, skill):
    return factories.project(
        supervisor, company, tasks=4, claim_limit=5, skill=skill.pk, training=True, training_attempts=2
    )


def _at_level(mother, skill, level):
    WorkerSkill.objects.update_or_create(worker=mother, skill=skill, defaults={"level": level})


def _assert_skill_required(status, body, skill, *, your_level=0):
    assert status == 409, body
    error = body["error"]
    assert error["code"] == "skill_required"
    details = error["details"]
    assert details["skill"] == skill.pk and details["skill_name"] == "精细缝纫"
    assert details["level"] == 2 and details["your_level"] == your_level
    assert isinstance(details["how_to_qualify"], str) and details["how_to_qualify"]


# --- refused on every path ---------------------------------------------------------------------------


def test_api_claim_of_a_task_is_refused_without_the_level(mother, sewing, skill, supervisor):
    slot = factories.slot(supervisor, sewing)
    task = sewing.tasks.order_by("pk").first()
    before = snapshots.world()
    response = api_for(mother).post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json")
    _assert_skill_required(response.status_code, response.json(), skill)
    snapshots.assert_refused(response, 409, "skill_required", before)


@pytest.mark.parametrize("via", [via_asgi, via_drf], ids=["fast_path", "drf_view"])
def test_claim_next_is_refused_without_the_level(via, mother, sewing, skill, supervisor):
    """``via_drf`` is what HOMESLOT_CLAIM_FAST_PATH=0 serves; ``via_asgi`` the fast path (on SQLite
    it hands every claim to Django; on PostgreSQL the function declines and Django answers)."""
    _at_level(mother, skill, 1)
    slot = factories.slot(supervisor, sewing)
    token = factories.api_token_for(mother)
    before = snapshots.world()
    status, body, _headers = via(
        f"/api/v1/projects/{sewing.pk}/claim-next", json.dumps({"slot": slot.pk}).encode(), token=token, language="en"
    )
    _assert_skill_required(status, body, skill, your_level=1)
    assert "needs" in body["error"]["message"]
    assert snapshots.world() == before


@pytest.mark.parametrize("by_choice", [True, False])
def test_the_orm_path_refuses_and_the_claim_function_declines(by_choice, mother, sewing, skill, supervisor):
    slot = factories.slot(supervisor, sewing)
    task = sewing.tasks.order_by("pk").first()
    target = {"task_id": task.pk} if by_choice else {"project_id": sewing.pk}
    before = snapshots.world()
    if connection.vendor == "postgresql":
        assert claims._claim_in_one_statement(worker=mother, slot_id=slot.pk, **target) is None
    with pytest.raises(SkillRequired) as refused:
        claims._claim(worker=mother, slot_id=slot.pk, **target)
    assert refused.value.details["level"] == 2 and refused.value.details["your_level"] == 0
    assert snapshots.world() == before


def test_her_page_says_how_to_qualify(mom, sewing, skill, supervisor):
    slot = factories.slot(supervisor, sewing)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(mom)
    before = snapshots.world()
    response = client.post(reverse("m-claim-next", args=[sewing.pk]), {"slot": slot.pk}, follow=True)
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = career.skill_refusal(worker_id=mom.pk, project=sewing).details["how_to_qualify"]
    assert expected and expected in html.unescape(response.content.decode())
    assert snapshots.world() == before


# --- with the level she claims on every path ----------------------------------------------------------


@pytest.mark.parametrize("via", [via_asgi, via_drf], ids=["fast_path", "drf_view"])
def test_with_the_level_she_claims_next(via, mother, sewing, skill, supervisor):
    _at_level(mother, skill, 2)
    slot = factories.slot(supervisor, sewing)
    status, body, _headers = via(
        f"/api/v1/projects/{sewing.pk}/claim-next",
        json.dumps({"slot": slot.pk}).encode(),
        token=factories.api_token_for(mother),
    )
    assert status == 201, body
    assert Claim.objects.filter(worker=mother, project=sewing).count() == 1


def test_with_the_level_she_claims_a_task_and_the_function_takes_it(mother, sewing, skill, supervisor):
    _at_level(mother, skill, 3)
    slot = factories.slot(supervisor, sewing)
    tasks = list(sewing.tasks.order_by("pk"))
    response = api_for(mother).post(f"/api/v1/tasks/{tasks[0].pk}/claim", {"slot": slot.pk}, format="json")
    assert response.status_code == 201, response.content
    if connection.vendor == "postgresql":  # not quietly the slow path: one statement takes it
        assert claims._claim_in_one_statement(worker=mother, slot_id=slot.pk, task_id=tasks[1].pk) is not None
    assert claims._claim(worker=mother, slot_id=slot.pk, project_id=sewing.pk).project_id == sewing.pk


def test_hall_shows_locked_work_with_what_unlocks_it(mother, sewing, skill, supervisor, company):
    open_work = factories.project(supervisor, company, tasks=1)
    client = api_for(mother)
    rows = client.get("/api/v1/tasks").json()["results"]
    by_project = {row["project"]["id"]: row for row in rows}
    locked = by_project[sewing.pk]
    assert locked["locked"] is True and locked["your_level"] == 0 and locked["min_level"] == 2
    assert locked["skill"] == skill.pk and locked["skill_name"] == "精细缝纫" and locked["how_to_qualify"]
    assert locked["rate_for_you"] == "0.5000"
    free = by_project[open_work.pk]
    assert free["locked"] is False and free["how_to_qualify"] == "" and free["skill"] is None
    _at_level(mother, skill, 2)
    unlocked = next(r for r in client.get("/api/v1/tasks").json()["results"] if r["project"]["id"] == sewing.pk)
    assert unlocked["locked"] is False and unlocked["rate_for_you"] == "0.6000" and unlocked["how_to_qualify"] == ""


def test_hall_reads_her_levels_once(mother, skill, supervisor, company):
    for _n in range(3):
        factories.project(supervisor, company, tasks=2, skill=skill.pk, min_level=1)
    client = api_for(mother)
    client.get("/api/v1/tasks")  # warm
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/tasks")
    factories.project(supervisor, company, tasks=4, skill=skill.pk, min_level=1)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/v1/tasks").json()["results"]) == 10
    assert len(more) == len(few)


# --- training: one attempt at a time ------------------------------------------------------------------


def test_training_one_attempt_at_a_time(mother, training, skill, supervisor):
    slot = factories.slot(supervisor, training)
    first = services.task_claim_next(worker=mother, project_id=training.pk, slot_id=slot.pk)
    before = snapshots.world()
    with pytest.raises(ClaimLimitReached):  # a second live claim of the training
        services.task_claim_next(worker=mother, project_id=training.pk, slot_id=slot.pk)
    assert snapshots.world() == before
    handed_in = services.claim_submit(worker=mother, claim_id=first.pk, completed_units=10)
    before = snapshots.world()
    with pytest.raises(TrainingInReview):  # her hand-in waits for review
        services.task_claim_next(worker=mother, project_id=training.pk, slot_id=slot.pk)
    assert snapshots.world() == before
    services.submission_review(actor=supervisor, submission_id=handed_in.pk, decision="reject", reason="针脚不齐")
    second = services.task_claim_next(worker=mother, project_id=training.pk, slot_id=slot.pk)  # attempt 2 of 2
    handed_in = services.claim_submit(worker=mother, claim_id=second.pk, completed_units=10)
    with pytest.raises(TrainingAttemptsUsed) as used:  # the last attempt is in review
        services.task_claim_next(worker=mother, project_id=training.pk, slot_id=slot.pk)
    assert used.value.details == {"attempts": 2, "used": 1, "pending": 1}
    services.submission_review(actor=supervisor, submission_id=handed_in.pk, decision="reject", reason="针脚不齐")
    before = snapshots.world()
    response = api_for(mother).post(f"/api/v1/projects/{training.pk}/claim-next", {"slot": slot.pk}, format="json")
    snapshots.assert_refused(response, 409, "training_attempts_used", before)
    assert response.json()["error"]["details"] == {"attempts": 2, "used": 2, "pending": 0}


@pytest.mark.parametrize("via", [via_asgi, via_drf], ids=["fast_path", "drf_view"])
def test_a_passed_training_is_refused_on_both_paths(via, mother, training, skill, supervisor):
    _at_level(mother, skill, 1)
    slot = factories.slot(supervisor, training)
    before = snapshots.world()
    status, body, _headers = via(
        f"/api/v1/projects/{training.pk}/claim-next",
        json.dumps({"slot": slot.pk}).encode(),
        token=factories.api_token_for(mother),
    )
    assert status == 409 and body["error"]["code"] == "training_passed"
    assert snapshots.world() == before
    with pytest.raises(TrainingPassed):
        claims._claim(worker=mother, slot_id=slot.pk, project_id=training.pk)


def test_a_training_is_claimed_on_the_orm_path_only(mother, training, supervisor):
    slot = factories.slot(supervisor, training)
    if connection.vendor == "postgresql":
        assert claims._claim_in_one_statement(worker=mother, slot_id=slot.pk, project_id=training.pk) is None
    assert services.task_claim_next(worker=mother, project_id=training.pk, slot_id=slot.pk).project_id == training.pk

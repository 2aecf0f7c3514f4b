"""GET /api/v1/workers/{id}/history and the supervisor's page of one mother: her history with one
company, for that company's supervisors only."""

import datetime

import pytest
import time_machine
from django.test import Client

from accounts.models import Membership, Role, User
from skills import services as skill_services
from tasks import services
from tests import factories
from tests.conftest import api_for
from tests.snapshots import world

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI)  # a Thursday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worked(mother, supervisor, company, assembly, slot):
    """She claimed three tasks: one accepted in part (8 of 10), one handed in and waiting, one given back."""
    first = services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    handed = services.claim_submit(worker=mother, claim_id=first.pk, completed_units=10)
    services.submission_review(
        actor=supervisor, submission_id=handed.pk, decision="partial", accepted_units=8, reason="两件松了"
    )
    second = services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    services.claim_submit(worker=mother, claim_id=second.pk, completed_units=10)
    third = services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    services.claim_release(worker=mother, claim_id=third.pk)
    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    skill_services.level_grant_training(worker_id=mother.pk, skill_id=skill.pk, score=90)
    return mother


def test_her_history_for_the_company(worked, supervisor, company):
    response = api_for(supervisor).get(f"/api/v1/workers/{worked.pk}/history")

    assert response.status_code == 200
    body = response.json()
    assert body["company"] == company.pk
    assert body["worker"]["display_name"] == worked.worker_profile.display_name
    assert "*" in body["worker"]["phone"] and worked.phone not in body["worker"]["phone"]
    assert body["claims"]["total"] == 3
    assert body["claims"]["by_status"] == {"done": 1, "submitted": 1, "released": 1}
    assert body["claims"]["releases"] == {"free": 1}
    assert body["submissions"] | {"by_status": None} == {
        "count": 2,
        "units_submitted": 20,
        "units_decided": 10,
        "units_accepted": 8,
        "acceptance_rate": 80.0,
        "by_status": None,
    }
    assert body["gold"] == {"correct": 0, "total": 0, "accuracy": None}
    assert body["appeals"] == {"by_status": {}, "list": []}
    assert [(held["skill_name"], held["level"]) for held in body["levels"]] == [("精细缝纫", 1)]
    assert [(c["from_level"], c["to_level"], c["cause"]) for c in body["level_changes"]] == [(0, 1, "training")]
    assert len(body["weeks"]) == 8 and body["weeks"][-1] == {"week": "2026-11-23", "accepted_units": 8}
    assert [item["what"] for item in body["recent"]].count("claim") == 3


def test_staff_of_another_company_get_a_404_and_finance_a_403(worked, other_company, finance):
    stranger = factories.staff(other_company)
    before = world()

    assert api_for(stranger).get(f"/api/v1/workers/{worked.pk}/history").status_code == 404
    assert api_for(finance).get(f"/api/v1/workers/{worked.pk}/history").status_code == 403
    assert api_for(worked).get(f"/api/v1/workers/{worked.pk}/history").status_code == 403
    assert api_for(stranger).get("/api/v1/workers/999999/history").status_code == 404
    assert world() == before


def test_a_mother_who_never_worked_for_the_company_is_not_found(supervisor, other_mother):
    assert api_for(supervisor).get(f"/api/v1/workers/{other_mother.pk}/history").status_code == 404


def test_staff_of_several_of_her_companies_name_one(worked, supervisor, other_company):
    Membership.objects.create(user=supervisor, company=other_company, role=Role.SUPERVISOR)
    supervisor = User.objects.get(pk=supervisor.pk)  # her roles are read once per user object
    elsewhere = factories.project(supervisor, other_company, title="别家", tasks=1)
    other_slot = factories.slot(supervisor, elsewhere)
    services.task_claim_next(worker=worked, project_id=elsewhere.pk, slot_id=other_slot.pk)
    client = api_for(supervisor)

    refused = client.get(f"/api/v1/workers/{worked.pk}/history")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "company_required"
    answer = client.get(f"/api/v1/workers/{worked.pk}/history?company={other_company.pk}").json()
    assert answer["company"] == other_company.pk and answer["claims"]["total"] == 1
    assert client.get(f"/api/v1/workers/{worked.pk}/history?company=abc").status_code == 404
    assert client.get(f"/api/v1/workers/{worked.pk}/history?company=999999").status_code == 404


# --- the page ------------------------------------------------------------------------------


def browser_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_page_shows_her_history_with_charts(worked, supervisor, company):
    response = browser_of(supervisor).get(f"/work/workers/{worked.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert worked.worker_profile.display_name in page and worked.phone not in page
    assert "80.0%" in page and '<rect width="80"' in page  # the acceptance bar
    assert page.count('width="8" height=') == 8  # a bar per week
    assert "8 of 10 units accepted" in page and "精细缝纫" in page


def test_the_page_is_scoped_like_the_api(worked, other_company, finance):
    assert browser_of(factories.staff(other_company)).get(f"/work/workers/{worked.pk}/").status_code == 404
    assert browser_of(finance).get(f"/work/workers/{worked.pk}/").status_code == 403


def test_the_review_page_links_her_name_to_her_history(mother, supervisor, company, assembly, slot):
    claim = services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    handed = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)

    page = browser_of(supervisor).get(f"/work/review/{handed.pk}/").content.decode()

    assert f'href="/work/workers/{mother.pk}/?company={company.pk}"' in page

"""Company B's staff see nothing of company A: every A object is a 404, every list is empty of A."""

import pytest

from accounts.models import Role
from tests import factories
from tests.conftest import api_for


@pytest.fixture
def company_a_world(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=2)
    slot = factories.slot(supervisor, project)
    claim = api_for(mother).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json()
    submission = (
        api_for(mother).post(f"/api/v1/claims/{claim['id']}/submit", {"completed_units": 10}, format="json").json()
    )
    other = api_for(mother).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json()
    second = api_for(mother).post(f"/api/v1/claims/{other['id']}/submit", {"completed_units": 10}, format="json").json()
    api_for(supervisor).post(f"/api/v1/submissions/{second['id']}/review", {"decision": "accept"}, format="json")
    return {"project": project, "slot": slot, "submission": submission}


@pytest.fixture(params=[Role.ADMIN, Role.SUPERVISOR, Role.FINANCE])
def outsider(request, other_company):
    return factories.staff(other_company, request.param)


def test_company_b_gets_404_for_every_company_a_object(outsider, company_a_world):
    project = company_a_world["project"]
    submission = company_a_world["submission"]
    client = api_for(outsider)
    calls = [
        ("get", f"/api/v1/projects/{project.pk}", None),
        ("patch", f"/api/v1/projects/{project.pk}", {"title": "偷改"}),
        ("post", f"/api/v1/projects/{project.pk}/publish", None),
        ("post", f"/api/v1/projects/{project.pk}/pause", None),
        ("post", f"/api/v1/projects/{project.pk}/close", None),
        ("post", f"/api/v1/projects/{project.pk}/split", {"total_units": 5, "units_per_task": 5}),
        (
            "post",
            f"/api/v1/projects/{project.pk}/slots",
            {"starts_at": "2030-01-01T09:00:00+08:00", "ends_at": "2030-01-01T10:00:00+08:00", "capacity": 1},
        ),
        ("get", f"/api/v1/projects/{project.pk}/progress", None),
        ("get", f"/api/v1/submissions/{submission['id']}", None),
        ("post", f"/api/v1/submissions/{submission['id']}/review", {"decision": "accept"}),
    ]
    for method, url, body in calls:
        response = getattr(client, method)(url, body, format="json")
        if outsider.memberships.get().role == Role.FINANCE and method == "post" and "review" in url:
            # finance may not review at all, whichever company: refused before any lookup
            assert response.status_code == 403, url
            continue
        if outsider.memberships.get().role == Role.FINANCE and url.endswith(("publish", "pause", "close", "split")):
            assert response.status_code == 403, url
            continue
        assert response.status_code == 404, (url, response.status_code, response.content)
        assert response.json()["error"]["code"] == "not_found"


def test_company_b_lists_show_nothing_of_company_a(outsider, company_a_world):
    client = api_for(outsider)
    lists = ["/api/v1/projects", f"/api/v1/projects/{company_a_world['project'].pk}/slots"]
    role = outsider.memberships.get().role
    if role != Role.FINANCE:
        lists.append("/api/v1/reviews/queue")
    if role != Role.SUPERVISOR:
        lists += ["/api/v1/ledger/entries", "/api/v1/ledger/adjustments"]
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["count"] == 0, url


def test_company_a_staff_do_see_their_rows(supervisor, finance, company_a_world):
    assert api_for(supervisor).get("/api/v1/projects").json()["count"] == 1
    assert api_for(supervisor).get("/api/v1/reviews/queue").json()["count"] == 1
    assert api_for(finance).get("/api/v1/ledger/entries").json()["count"] == 2


def test_a_mother_sees_only_her_own_earnings_and_no_staff_lists(mother, other_mother, company_a_world):
    assert api_for(mother).get("/api/v1/earnings").json()["balance_fen"] == 500
    assert api_for(other_mother).get("/api/v1/earnings").json()["balance_fen"] == 0
    assert api_for(other_mother).get("/api/v1/claims").json()["count"] == 0
    for url in ("/api/v1/projects", "/api/v1/reviews/queue", "/api/v1/ledger/entries"):
        assert api_for(mother).get(url).status_code == 403


def test_supervisor_cannot_see_ledger_entries(supervisor, company_a_world):
    assert api_for(supervisor).get("/api/v1/ledger/entries").status_code == 403


def test_ledger_entries_filter_by_date_worker_and_project(finance, mother, company_a_world):
    client = api_for(finance)
    project = company_a_world["project"]

    assert client.get("/api/v1/ledger/entries", {"worker": mother.pk}).json()["count"] == 1
    assert client.get("/api/v1/ledger/entries", {"project": project.pk}).json()["count"] == 2
    assert client.get("/api/v1/ledger/entries", {"from": "2000-01-01", "to": "2000-01-31"}).json()["count"] == 0
    entry = client.get("/api/v1/ledger/entries", {"worker": mother.pk}).json()["results"][0]
    assert entry["worker_phone"].count("*") == 4 and entry["amount_display"] == "¥5.00"
    bad = client.get("/api/v1/ledger/entries", {"from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"

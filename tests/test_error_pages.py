"""What anyone can send gets a clear answer: an expired form, ids no database can hold."""

import pytest
from django.test import Client

from tests.conftest import api_for

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # one past the largest 64-bit key


def test_an_expired_form_says_what_to_do_in_chinese(mother):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mother)

    response = client.post("/signout/")

    body = response.content.decode()
    assert response.status_code == 403
    assert "刷新后再试" in body and "CSRF" not in body and "DEBUG" not in body


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/projects/{TOO_BIG}/claim-next",
        f"/api/v1/tasks/{TOO_BIG}/claim",
        f"/api/v1/claims/{TOO_BIG}/release",
        f"/api/v1/submissions/{TOO_BIG}/review",
        f"/m/projects/{TOO_BIG}/claim-next",
        f"/work/projects/{TOO_BIG}/",
        f"/finance/batches/{TOO_BIG}/",
    ],
)
def test_an_id_beyond_any_database_key_in_the_address_is_not_found(mother, path):
    assert api_for(mother).post(path, {"slot": 1}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("user", "path", "body", "field"),
    [
        ("mother", "/api/v1/projects/{project}/claim-next", {"slot": TOO_BIG}, "slot"),
        ("mother", "/api/v1/tasks/{task}/claim", {"slot": TOO_BIG}, "slot"),
        ("finance", "/api/v1/ledger/adjustments", {"worker": TOO_BIG, "amount_fen": 100, "reason": "x"}, "worker"),
        ("supervisor", "/api/v1/projects", {"company": TOO_BIG, "kind": "assembly", "title": "x"}, "company"),
    ],
)
def test_an_id_beyond_any_database_key_in_a_body_is_a_clear_400(request, assembly, user, path, body, field):
    url = path.format(project=assembly.pk, task=assembly.tasks.first().pk)

    response = api_for(request.getfixturevalue(user)).post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]

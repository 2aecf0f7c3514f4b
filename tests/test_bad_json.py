"""JSON a client can send, however broken, is a 400 ``invalid_json`` — never a RecursionError's 500."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tasks.models import Claim
from tests import factories
from tests.conftest import api_for
from tests.snapshots import world

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
JUST_TOO_DEEP = b"[" * 33 + b"]" * 33  # parses, but deeper than anything Homeslot reads


def api_routes():
    """Every ``/api/v1/…`` route as a path template, its converters named (``projects/<id:pk>/split``)."""
    v1 = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/")
    return [str(p.pattern) for p in v1.url_patterns if isinstance(p, URLPattern)]


@pytest.fixture
def things(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=2)
    slot = factories.slot(supervisor, project)
    claim = api_for(mother).post(f"/api/v1/tasks/{project.tasks.first().pk}/claim", {"slot": slot.pk}, format="json")
    return {
        "projects": project.pk,
        "tasks": project.tasks.first().pk,
        "claims": claim.json()["id"],
        "companies": company.pk,
        "user_id": mother.pk,
    }


def fill(route: str, things: dict) -> str:
    head = route.split("/")[0]
    path = route.replace("<uuid:pk>", str(uuid.uuid4())).replace("<id:user_id>", str(things["user_id"]))
    return "/api/v1/" + path.replace("<id:pk>", str(things.get(head, 1)))


@pytest.mark.parametrize("role", ["mother", "supervisor", "finance", "admin_user"])
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, JUST_TOO_DEEP, b"{not json", b'{"a": NaN}', b"\xff\xfe"])
def test_no_route_answers_broken_json_with_a_500(request, things, role, body):
    # given every API route, as each role, with a body that is not JSON Homeslot reads
    client = api_for(request.getfixturevalue(role))
    answers = {}
    for route in api_routes():
        for method in ("post", "put", "patch"):
            # when it is sent
            response = getattr(client, method)(fill(route, things), body, content_type="application/json")
            answers[f"{method} {route}"] = (response.status_code, error_code(response))

    # then nothing is a 5xx, and every route that read the body says the JSON is the problem
    assert {k: v for k, v in answers.items() if v[0] >= 500} == {}
    assert {k: v for k, v in answers.items() if v[0] == 400 and v[1] != "invalid_json"} == {}


def error_code(response) -> str | None:
    if response.get("Content-Type") != "application/json":
        return None
    return (response.json() or {}).get("error", {}).get("code") if isinstance(response.json(), dict) else None


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/api/v1/auth/token"),
        (None, "/api/v1/auth/accept-invitation"),
        ("mother", "/api/v1/projects/{projects}/claim-next"),
        ("mother", "/api/v1/tasks/{tasks}/claim"),
        ("mother", "/api/v1/claims/{claims}/submit"),
        ("mother", "/api/v1/claims/{claims}/release"),
        ("supervisor", "/api/v1/projects"),
        ("supervisor", "/api/v1/projects/{projects}/slots"),
        ("finance", "/api/v1/ledger/adjustments"),
        ("finance", "/api/v1/payouts"),
    ],
)
def test_json_nested_100000_deep_is_a_400_invalid_json(request, things, role, path):
    client = api_for(request.getfixturevalue(role) if role else None)
    before = world()

    response = client.post(path.format(**things), DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid_json",
            "message": "The request body is not valid JSON.",
            "details": {"reason": "nested more than 32 levels deep"},
        }
    }
    assert world() == before


def test_the_message_is_in_her_language(mother, things):
    response = api_for(mother).post(
        f"/api/v1/tasks/{things['tasks']}/claim", b"{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert response.json()["error"]["message"] == "请求内容不是有效的 JSON。"
    assert Claim.objects.count() == 1


def test_a_broken_multipart_body_is_still_malformed_request(mother, things):
    response = api_for(mother).post(
        f"/api/v1/claims/{things['claims']}/submit",
        b"--nope\r\nContent-Disposition: form-data\r\n",
        content_type="multipart/form-data",  # no boundary
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_json_a_few_levels_deep_is_read_as_before(supervisor, things):
    body = b'{"weekdays": [0, 1], "start": "09:00", "end": "11:00", "weeks": 1, "capacity": 2}'

    response = api_for(supervisor).post(
        f"/api/v1/projects/{things['projects']}/slots/pattern", body, content_type="application/json"
    )

    assert response.status_code == 201

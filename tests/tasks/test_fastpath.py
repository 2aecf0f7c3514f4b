"""The claim fast path answers exactly as the DRF view does (same check, service, shapes)."""

import asyncio
import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks.models import Claim
from tests import factories

# The fast path runs the service on another thread, which must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)
_loop = None


@pytest.fixture(autouse=True)
def _one_event_loop():
    """Like a server: one event loop for every request of a test, the pool closed after."""
    global _loop
    from config.asgi import http_application

    _loop = asyncio.new_event_loop()
    yield
    from realtime.publish import relay

    _loop.run_until_complete(http_application.aclose())
    _loop.run_until_complete(relay.aclose())
    _loop.close()


def via_asgi(path: str, body: bytes, *, token: str | None, language: str = "zh-hans", content_type=b"application/json"):
    from config.asgi import application

    headers = [(b"host", b"testserver"), (b"content-type", content_type), (b"accept-language", language.encode())]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }

    async def run():
        sent, delivered = [], False

        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(30)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        await application(scope, receive, send)
        return sent

    sent = _loop.run_until_complete(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(payload), dict(start["headers"])


def via_drf(path: str, body: bytes, *, token: str | None, language: str = "zh-hans"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post(path, body, content_type="application/json")
    return response.status_code, response.json(), dict(response.headers)


@pytest.fixture
def world(company, supervisor):
    project = factories.project(supervisor, company, tasks=2, claim_limit=5)
    slot = factories.slot(supervisor, project)
    mothers = [factories.mother() for _ in range(4)]
    return project, slot, [Token.objects.create(user=m).key for m in mothers]


@pytest.mark.parametrize("via", [via_asgi, via_drf])
def test_claims_until_drained_then_409(via, world):
    project, slot, tokens = world
    path = f"/api/v1/projects/{project.pk}/claim-next"
    body = json.dumps({"slot": slot.pk}).encode()

    first = via(path, body, token=tokens[0])
    second = via(path, body, token=tokens[1])
    drained = via(path, body, token=tokens[2])

    assert first[0] == second[0] == 201
    assert first[1]["task"]["id"] != second[1]["task"]["id"]
    assert first[1]["slot"]["claimed_count"] == 1 and first[1]["live"] is True
    assert drained[0] == 409
    assert drained[1] == {
        "error": {"code": "no_task_available", "message": "这个项目的任务都被领完了。", "details": {}}
    }
    assert Claim.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "token_index", "status", "code"),
    [
        (b'{"slot": "x"}', 0, 400, "invalid"),
        (b"{not json", 0, 400, "invalid_json"),
        (b"[" * 4000, 0, 400, "invalid_json"),
        (b"[" * 33 + b"]" * 33, 0, 400, "invalid_json"),
        (b"\xff", 0, 400, "invalid_json"),
        (b'{"slot": NaN}', 0, 400, "invalid_json"),
        (b'{"slot": 1}', None, 401, "not_authenticated"),
        (b'{"slot": 1}', "bogus", 401, "authentication_failed"),
    ],
)
def test_refusals_match_the_api(world, body, token_index, status, code):
    project, _slot, tokens = world
    token = tokens[token_index] if isinstance(token_index, int) else token_index
    path = f"/api/v1/projects/{project.pk}/claim-next"

    fast = via_asgi(path, body, token=token, language="en")
    slow = via_drf(path, body, token=token, language="en")

    assert fast[0] == slow[0] == status
    assert fast[1] == slow[1]
    assert fast[1]["error"]["code"] == code
    assert Claim.objects.count() == 0


def test_staff_token_is_forbidden_on_both_paths(world, supervisor):
    project, slot, _ = world
    key = Token.objects.create(user=supervisor).key
    body = json.dumps({"slot": slot.pk}).encode()
    path = f"/api/v1/projects/{project.pk}/claim-next"

    assert via_asgi(path, body, token=key)[0] == via_drf(path, body, token=key)[0] == 403


def test_other_requests_go_through_django(world):
    project, _slot, tokens = world
    status, _body, _ = via_asgi(
        f"/api/v1/projects/{project.pk}/claim-next",
        b"slot=1",
        token=tokens[0],
        content_type=b"application/x-www-form-urlencoded",
    )

    assert status in (201, 400)  # answered by the DRF view, which parses forms too
    assert via_asgi("/api/v1/projects/1/publish", b"{}", token=tokens[0])[0] == 403


@pytest.mark.parametrize("kind", ["assembly", "labelling"])
def test_fast_answer_equals_what_the_api_reads_back(company, supervisor, kind):
    from django.db import connection

    from config.asgi import http_application

    project = factories.project(supervisor, company, kind=kind, tasks=1, units_per_task=3)
    slot = factories.slot(supervisor, project)
    mother = factories.mother()
    key = Token.objects.create(user=mother).key

    status, created, _ = via_asgi(
        f"/api/v1/projects/{project.pk}/claim-next", json.dumps({"slot": slot.pk}).encode(), token=key
    )

    assert status == 201
    assert (http_application._pool is not None) == (connection.vendor == "postgresql")  # answered in the loop
    listed = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/claims").json()
    assert listed["results"] == [created]


def test_hand_built_representation_equals_claim_out(company, supervisor, mother):
    from tasks.serializers import ClaimOut, claim_created_representation

    project = factories.project(supervisor, company, tasks=1, pickup_point="东门", region="佛山")
    slot = factories.slot(supervisor, project)
    created = APIClient()
    created.force_authenticate(mother)
    claim_id = created.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json()["id"]

    claim = Claim.objects.select_related("task", "slot", "project__company").get(pk=claim_id)

    assert claim_created_representation(claim) == ClaimOut(claim).data


@pytest.mark.parametrize("slot_id", [2**64, 2**63, 0, -1, -(2**63) - 1])
@pytest.mark.parametrize("token_index", [0, "anything"])
def test_a_slot_id_out_of_range_is_answered_as_the_api_answers(world, slot_id, token_index):
    # given a mother's token (or a made-up one) and a slot no database key can be
    project, _slot, tokens = world
    token = tokens[token_index] if isinstance(token_index, int) else token_index
    path = f"/api/v1/projects/{project.pk}/claim-next"
    body = json.dumps({"slot": slot_id}).encode()

    # when both paths are asked
    fast = via_asgi(path, body, token=token, language="en")
    slow = via_drf(path, body, token=token, language="en")

    # then the same answer: a 401 for the made-up token, else a 400 naming the field
    assert fast[0] == slow[0] == (400 if isinstance(token_index, int) else 401)
    assert fast[1] == slow[1]
    if isinstance(token_index, int):
        assert fast[1]["error"]["code"] == "invalid"
        assert list(fast[1]["error"]["details"]) == ["slot"]
    else:
        assert fast[1]["error"]["code"] == "authentication_failed"
    assert Claim.objects.count() == 0

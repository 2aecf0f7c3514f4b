"""The claim fast path answers exactly as the DRF view does (same check, service, shapes)."""

import asyncio
import datetime
import json
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.tokens import token_digest
from tasks.models import Claim
from tests import factories

# The fast path runs the service on another thread, which must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)
_loop = None
LIFETIME = datetime.timedelta(days=90)


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


def via_asgi(
    path: str,
    body: bytes,
    *,
    token: str | None,
    language: str = "zh-hans",
    content_type=b"application/json",
    extra=(),
    raw: bool = False,
):
    from config.asgi import application

    headers = [(b"host", b"testserver"), (b"content-type", content_type), (b"accept-language", language.encode())]
    headers.extend(extra)
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
    return start["status"], payload if raw else json.loads(payload), dict(start["headers"])


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
    return project, slot, [factories.api_token_for(m) for m in mothers]


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
    key = factories.api_token_for(supervisor)
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
    key = factories.api_token_for(mother)

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


def test_a_lapsed_token_is_refused_on_both_paths(world):
    project, slot, tokens = world
    ApiToken.objects.filter(digest=token_digest(tokens[0])).update(expires_at=timezone.now())
    path, body = f"/api/v1/projects/{project.pk}/claim-next", json.dumps({"slot": slot.pk}).encode()

    fast = via_asgi(path, body, token=tokens[0], language="en")
    slow = via_drf(path, body, token=tokens[0], language="en")

    assert fast[0] == slow[0] == 401
    assert fast[1] == slow[1]
    assert fast[1]["error"]["code"] == "authentication_failed"
    assert Claim.objects.count() == 0


def test_the_token_rule_in_sql_is_the_one_in_python(world, mother):
    from django.db import connection

    from accounts.tokens import TOKEN_USER_SQL, user_for_token

    _project, _slot, tokens = world
    live, lapsed, inactive = tokens[0], tokens[1], tokens[2]
    ApiToken.objects.filter(digest=token_digest(lapsed)).update(expires_at=timezone.now())
    User.objects.filter(api_tokens__digest=token_digest(inactive)).update(is_active=False)

    def in_sql(key):
        with connection.cursor() as cursor:
            cursor.execute(TOKEN_USER_SQL, {"token_digest": token_digest(key), "now": timezone.now()})
            return [row[0] for row in cursor.fetchall()]

    for key in (live, lapsed, inactive, "unknown"):
        user = user_for_token(key)
        assert in_sql(key) == ([user.pk] if user else [])
    assert in_sql(live) != []


def test_the_fast_path_moves_a_tokens_expiry_on_at_most_hourly(world, on_postgres):
    from config.asgi import http_application

    project, slot, tokens = world
    token = ApiToken.objects.get(digest=token_digest(tokens[0]))
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_hours_ago, expires_at=two_hours_ago + LIFETIME)
    path, body = f"/api/v1/projects/{project.pk}/claim-next", json.dumps({"slot": slot.pk}).encode()

    before = timezone.now()
    assert via_asgi(path, body, token=tokens[0])[0] == 201
    moved = ApiToken.objects.get(pk=token.pk)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_hours_ago)  # as if an hour had passed …
    assert via_asgi(path, body, token=tokens[0])[0] == 201
    kept = ApiToken.objects.get(pk=token.pk)

    assert http_application._pool is not None  # answered in the loop, not by the sync path
    assert moved.last_used_at >= before and moved.expires_at == moved.last_used_at + LIFETIME
    assert kept.last_used_at == two_hours_ago  # … this process touched it within the hour: no statement


def test_a_claim_with_an_idempotency_key_is_kept_by_the_api_and_answered_again(world):
    from config.asgi import http_application

    project, slot, tokens = world
    path = f"/api/v1/projects/{project.pk}/claim-next"
    body = json.dumps({"slot": slot.pk}).encode()
    # What Django's handler reads (DRF reads no body without a length).
    key = [(b"idempotency-key", b"retry-me"), (b"content-length", str(len(body)).encode())]

    first = via_asgi(path, body, token=tokens[0], extra=key)
    again = via_asgi(path, body, token=tokens[0], extra=key)

    assert first[0] == again[0] == 201
    assert again[1] == first[1] and {k.lower(): v for k, v in again[2].items()}[b"idempotent-replayed"] == b"true"
    assert http_application._pool is None  # answered by the DRF view, not the fast path
    assert Claim.objects.count() == 1


def test_her_own_companys_work_is_refused_on_both_paths(world, company):
    from tests.snapshots import world as snapshot

    project, slot, _ = world
    colleague = factories.staff(company)
    factories.WorkerProfileFactory(user=colleague)
    key = factories.api_token_for(colleague)
    body = json.dumps({"slot": slot.pk}).encode()
    path = f"/api/v1/projects/{project.pk}/claim-next"
    before = snapshot()

    fast = via_asgi(path, body, token=key, language="en")
    slow = via_drf(path, body, token=key, language="en")

    assert fast[0] == slow[0] == 403
    assert fast[1] == slow[1] and fast[1]["error"]["code"] == "own_company_work"
    assert snapshot() == before


def test_claims_that_overlap_are_refused_on_both_paths(company, supervisor):
    import datetime

    from django.utils import timezone

    from tasks import services

    project = factories.project(
        supervisor, company, kind="copywriting", tasks=4, claim_limit=5, piece_rate="30.0000", minutes_per_unit="60.00"
    )
    start = timezone.now() + datetime.timedelta(hours=2)
    nine = services.slot_create(
        actor=supervisor,
        project_id=project.pk,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        capacity=9,
    )
    later = services.slot_create(
        actor=supervisor,
        project_id=project.pk,
        starts_at=start + datetime.timedelta(minutes=30),
        ends_at=start + datetime.timedelta(minutes=90),
        capacity=9,
    )
    mothers = [factories.mother(), factories.mother()]
    keys = [factories.api_token_for(m) for m in mothers]
    path = f"/api/v1/projects/{project.pk}/claim-next"
    for key in keys:
        assert via_drf(path, json.dumps({"slot": nine.pk}).encode(), token=key)[0] == 201

    fast = via_asgi(path, json.dumps({"slot": later.pk}).encode(), token=keys[0], language="en")
    slow = via_drf(path, json.dumps({"slot": later.pk}).encode(), token=keys[1], language="en")

    assert fast[0] == slow[0] == 409
    assert fast[1]["error"]["code"] == slow[1]["error"]["code"] == "claims_overlap"
    assert Claim.objects.count() == 2


def test_a_restart_that_kills_the_fast_paths_connections_costs_no_claim(world, on_postgres):
    """Every connection of the fast path's pool dies (as in a PostgreSQL restart) between two
    claims: the next claim is still answered in the loop, on a new connection."""
    import psycopg
    from django.db import connection

    from config.asgi import http_application

    project, slot, tokens = world
    path, body = f"/api/v1/projects/{project.pk}/claim-next", json.dumps({"slot": slot.pk}).encode()
    assert via_asgi(path, body, token=tokens[0])[0] == 201
    params = {k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port")}
    with psycopg.connect(**params, autocommit=True) as side:
        mine = side.execute("SELECT pg_backend_pid()").fetchone()[0]
        own = connection.connection.info.backend_pid if connection.connection else None
        for (pid,) in side.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
            "AND pid <> ALL(%s)",
            [[mine, own or 0]],
        ).fetchall():
            side.execute("SELECT pg_terminate_backend(%s)", [pid])
        while side.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
        ).fetchone()[0] > (2 if own else 1):
            time.sleep(0.01)

    status, claim, _headers = via_asgi(path, body, token=tokens[1])

    assert status == 201, claim
    assert http_application._pool is not None
    assert Claim.objects.filter(pk=claim["id"]).exists()
    connection.pool.check()  # the test's own teardown is not a request: drop Django's dead ones too


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


def test_with_https_on_a_plain_http_claim_is_redirected_and_an_https_one_carries_hsts(world, settings, on_postgres):
    """The fast path answers before Django's SecurityMiddleware: with HOMESLOT_HTTPS it must not
    answer plain HTTP (Django redirects it), and what it answers carries HSTS as Django would."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = False
    project, slot, tokens = world
    path, body = f"/api/v1/projects/{project.pk}/claim-next", json.dumps({"slot": slot.pk}).encode()

    from config.asgi import http_application

    via_asgi(path, body, token=tokens[0], raw=True)
    passed_on = http_application._pool is None  # Django's SecurityMiddleware has it (and redirects it)
    secure = via_asgi(path, body, token=tokens[0], extra=[(b"x-forwarded-proto", b"https")])

    assert passed_on
    assert secure[0] == 201 and http_application._pool is not None  # answered by the fast path
    assert {k.lower(): v for k, v in secure[2].items()}[b"strict-transport-security"] == b"max-age=3600"


def _pool_reads(sql: str):
    from config.asgi import http_application

    async def read():
        pool = await http_application._async_pool()
        async with pool.connection() as conn:
            return await (await conn.execute(sql)).fetchone()

    return _loop.run_until_complete(read())


def test_the_fast_paths_pool_connects_with_djangos_options(on_postgres, monkeypatch):
    """The async pool is built from Django's own connection parameters (DATABASES['default'],
    OPTIONS included), so an option set there reaches its connections too."""
    from django.db import connection

    options = "-c application_name=homeslot_fast_path_probe -c search_path=public,pg_catalog"
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "options", options)

    assert _pool_reads("SELECT current_setting('application_name'), current_setting('search_path')") == (
        "homeslot_fast_path_probe",
        "public,pg_catalog",
    )
    assert _pool_reads("SELECT current_database()") == (connection.settings_dict["NAME"],)


def test_the_fast_paths_pool_assumes_the_role_django_assumes(on_postgres, monkeypatch):
    from django.db import connection

    from config.asgi import http_application

    role = f"{connection.settings_dict['NAME']}_probe"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
    try:
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "assume_role", role)
        assert _pool_reads("SELECT current_user") == (role,)
    finally:
        _loop.run_until_complete(http_application.aclose())  # its connections hold the role
        with connection.cursor() as cursor:
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


def _outside_her_hours(token: str, slot) -> None:
    """A weekly window on another weekday than the slot's: the slot is outside her hours."""
    from workers.models import AvailabilityWindow

    mother = ApiToken.objects.get(digest=token_digest(token)).user
    weekday = (timezone.localtime(slot.starts_at).weekday() + 3) % 7
    AvailabilityWindow.objects.create(
        worker=mother.worker_profile, weekday=weekday, start=datetime.time(8), end=datetime.time(9)
    )


@pytest.mark.parametrize(
    ("confirmation", "answered_on_the_loop"),
    [(True, True), ("true", False), (1, False)],
    ids=["a JSON boolean", "a string", "a number"],
)
def test_a_confirmed_slot_outside_her_hours_is_claimed_on_the_loop_as_the_api_claims_it(
    world, on_postgres, monkeypatch, confirmation, answered_on_the_loop
):
    """What a mother outside her hours sends after confirming: the async path takes it (PostgreSQL);
    a confirmation written another way is left to the serializer, which reads it as the API does."""
    from config.asgi import http_application

    project, slot, tokens = world
    for token in tokens[:2]:
        _outside_her_hours(token, slot)
    handed_over = []
    sync_path = http_application._handle

    async def counted(**request):
        handed_over.append(request)
        return await sync_path(**request)

    monkeypatch.setattr(http_application, "_handle", counted)
    path = f"/api/v1/projects/{project.pk}/claim-next"
    unconfirmed = json.dumps({"slot": slot.pk}).encode()
    confirmed = json.dumps({"slot": slot.pk, "confirm_outside_availability": confirmation}).encode()

    assert via_asgi(path, unconfirmed, token=tokens[0])[1]["error"]["code"] == "outside_availability"
    handed_over.clear()
    fast = via_asgi(path, confirmed, token=tokens[0])
    slow = via_drf(path, confirmed, token=tokens[1])

    assert fast[0] == slow[0] == 201
    assert set(fast[1]) == set(slow[1]) and fast[1]["slot"]["id"] == slow[1]["slot"]["id"] == slot.pk
    assert len(handed_over) == (0 if answered_on_the_loop else 1)
    assert Claim.objects.filter(slot=slot).count() == 2

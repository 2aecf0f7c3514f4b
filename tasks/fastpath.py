"""The claim hot path as a bare ASGI route in front of Django.

``POST /api/v1/projects/<id>/claim-next`` with ``Authorization: Token …`` (``{"slot": …}``, with
``"confirm_outside_availability": true`` when she confirmed a slot outside her hours) is what thousands of
phones send when a batch is released. Under ASGI, Django's handler costs several thread
hand-offs per request (DESIGN.md §9); this route makes one. It is not a second set of
rules: it uses the same token check (:func:`accounts.tokens.user_for_token`), the same
input serializer, the same service (:func:`tasks.services.task_claim_next`), the same
output serializer and the same error shapes as the DRF view. Anything else — session
auth, other methods, a request with an ``Idempotency-Key`` (its answer is kept by the view),
malformed requests it cannot answer exactly as the API would — is passed to Django untouched.
"""

import asyncio
import json
import os
import re

import psycopg
import psycopg.sql
import psycopg_pool
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.http.request import validate_host
from django.utils import timezone, translation
from rest_framework import exceptions
from rest_framework.utils.encoders import JSONEncoder

from accounts.authentication import INVALID_TOKEN
from accounts.models import User
from accounts.tokens import (
    MAX_KEY_LENGTH,
    TOKEN_TOUCH_SQL,
    TOKEN_USER_SQL,
    token_digest,
    touch_due,
    touch_params,
    user_for_token,
)
from core import dbfaults
from core.errors import SERVICE_UNAVAILABLE, TooLarge
from core.http_errors import error_body, error_payload
from core.ids import MAX_ID
from core.json_input import InvalidJSON, json_loads
from core.languages import language_for
from core.parsers import InvalidJSONBody
from realtime.publish import relay
from tasks import claim_sql, services
from tasks.claim_sql import CLAIM_NEXT_FOR_TOKEN
from tasks.serializers import ClaimIn, ClaimOut, claim_created_representation

CLAIM_FOR_TOKEN = CLAIM_NEXT_FOR_TOKEN.format(token_user=TOKEN_USER_SQL)
CLAIM_NEXT = re.compile(r"^/api/v1/projects/(\d{1,18})/claim-next$")
MAX_BODY = 4096


def claim_next_response(*, key: str, project_id: int, body: bytes, accept_language: str) -> tuple[int, dict, dict]:
    """Everything the DRF ``ClaimNextView`` does, in one thread hop; a database that cannot
    answer for a moment is tried once more when nothing was written, else a 503 (as
    ``config.middleware.DatabaseHiccups`` answers for Django's views)."""
    close_old_connections()
    language = language_for(accept_language=accept_language)
    try:
        with translation.override(language):
            for attempt in (1, 2):
                tracker = dbfaults.WriteTracker()
                try:
                    with dbfaults.tracking(tracker):
                        return _claim_next_answer(key=key, project_id=project_id, body=body)
                except dbfaults.TRANSIENT:
                    dbfaults.discard_broken_connection()
                    if not tracker.safe_to_retry or attempt == 2:
                        return _unavailable()
            raise AssertionError("unreachable")
    finally:
        close_old_connections()


def _claim_next_answer(*, key: str, project_id: int, body: bytes) -> tuple[int, dict, dict]:

    try:
        user = user_for_token(key)
        if user is None:
            failed = exceptions.AuthenticationFailed(INVALID_TOKEN)
            failed.auth_header = "Token"  # as DRF's TokenAuthentication would answer
            raise failed
        try:
            data = json_loads(body or b"{}")
        except InvalidJSON as exc:
            raise InvalidJSONBody(exc.reason) from None  # as the API's parser answers
        given = ClaimIn(data=data)
        given.is_valid(raise_exception=True)
        claim = services.task_claim_next(worker=user, project_id=project_id, **given.claim_args())
        return 201, ClaimOut(claim).data, {}
    except Exception as exc:
        if dbfaults.is_transient(exc):
            raise
        payload = error_payload(exc)
        if payload is None:
            raise
        return payload


def _unavailable() -> tuple[int, dict, dict]:
    body = error_body(code=SERVICE_UNAVAILABLE, message=dbfaults.unavailable_message())
    return 503, body, {"Retry-After": str(dbfaults.RETRY_AFTER_SECONDS)}


class _Unanswered(Exception):
    """The async path cannot answer exactly as the API would: the sync path will."""


class _DatabaseUnavailable(Exception):
    """The database failed under a statement that may have committed: answer 503, no retry."""


async def claim_next_async(pool, *, key: str, project_id: int, body: bytes, accept_language: str):
    """The common success case on PostgreSQL without leaving the event loop: the token rule and
    the one-statement claim (the same SQL the service runs), then the same serializer. Raises
    ``_Unanswered`` for everything else — refusals, expired tasks, odd input — and writes nothing then."""

    try:
        data = json_loads(body)
        slot_id = data["slot"]
    except (InvalidJSON, KeyError, TypeError):
        raise _Unanswered() from None
    # The slot, and her confirmation of a slot outside her hours as a JSON boolean; anything else
    # (another key, a confirmation the serializer would read from a string): the serializer decides.
    confirmed = data.get("confirm_outside_availability", False)
    if type(confirmed) is not bool or len(data) != 1 + ("confirm_outside_availability" in data):
        raise _Unanswered()
    # Only what the SQL can take as it is: a slot id a bigint holds (a larger one would make the
    # parameter numeric, and no claim function takes that) and a key of printable ASCII.
    if type(slot_id) is not int or not 1 <= slot_id <= MAX_ID:
        raise _Unanswered()
    if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise _Unanswered()
    now = timezone.now()
    digest = token_digest(key)  # in Python: the statement takes the digest, never the key
    params = {
        "token_digest": digest,
        **claim_sql.call_params(project_id=project_id, slot_id=slot_id, now=now, confirmed=confirmed),
    }
    try:
        conn = await pool.getconn()  # checked on the way out: a connection a restart killed is replaced
    except (psycopg.Error, psycopg_pool.PoolTimeout):
        raise _Unanswered() from None  # nothing sent: the sync path tries, or answers 503
    try:  # autocommit: the claim is one statement, one transaction
        row = await (await conn.execute(CLAIM_FOR_TOKEN, params)).fetchone()
        if row is not None and touch_due(digest):  # the token's sliding expiry, at most hourly
            await conn.execute(TOKEN_TOUCH_SQL, touch_params(key, now))
    except psycopg.Error as exc:
        if exc.sqlstate == claim_sql.SLOT_FULL_SQLSTATE:
            raise _Unanswered() from exc
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            # The statement was sent and the connection failed: whether it committed is unknown,
            # so no second try here. She sees the claim in her list if it was made.
            raise _DatabaseUnavailable() from exc
        raise
    finally:
        await pool.putconn(conn)
    if row is None:  # unknown or lapsed token, or any rule did not hold: the sync path answers exactly
        raise _Unanswered()
    user_id, row = row[0], row[1:]
    claim, events = claim_sql.claim_from_row(row, worker=User(pk=user_id), slot_id=slot_id, now=now)
    # The answer goes out first; live delivery follows (clients recover from the outbox).
    relay.enqueue(events)  # committed: the answer goes out now, live delivery follows
    with translation.override(language_for(accept_language=accept_language)):
        if claim.project.kind == "labelling":  # the items are read from the database
            return 201, await sync_to_async(_serialize_with_items, thread_sensitive=False)(claim), {}
        return 201, claim_created_representation(claim), {}


def _serialize_with_items(claim) -> dict:

    try:
        return ClaimOut(claim).data
    finally:
        close_old_connections()


class ClaimFastPath:
    def __init__(self, app):
        self.app = app
        self._handle = sync_to_async(claim_next_response, thread_sensitive=False)
        database = settings.DATABASES["default"]
        self._on_postgres = database["ENGINE"] == "django.db.backends.postgresql"
        self._pool = self._pool_lock = self._pool_loop = None
        self.allowed_hosts = [*settings.ALLOWED_HOSTS, *(["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        match = CLAIM_NEXT.match(scope["path"])
        headers = dict(scope["headers"]) if match else {}
        auth = headers.get(b"authorization", b"")
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip()
        if (
            not match
            or not auth.startswith(b"Token ")
            or b"idempotency-key" in headers  # a retry-safe request: the DRF view keeps its answer
            or content_type != b"application/json"
            or not validate_host(headers.get(b"host", b"").decode("latin-1").rsplit(":", 1)[0], self.allowed_hosts)
            or (settings.SECURE_SSL_REDIRECT and not _is_secure(scope, headers))  # Django redirects it
        ):
            return await self.app(scope, receive, send)
        body = await _read_body(receive)
        if body is None:  # too large or client gone: let nothing half-read reach Django
            with translation.override(
                language_for(accept_language=headers.get(b"accept-language", b"").decode("latin-1"))
            ):
                too_large = error_body(code=TooLarge.code, message=translation.gettext("The request is too large."))
            return await _send(send, 413, too_large, {})
        request = {
            "key": auth[6:].decode("latin-1").strip(),
            "project_id": int(match.group(1)),
            "body": body,
            "accept_language": headers.get(b"accept-language", b"").decode("latin-1"),
        }
        if self._on_postgres:
            try:
                return await _send(send, *await claim_next_async(await self._async_pool(), **request))
            except _Unanswered:
                pass
            except _DatabaseUnavailable:
                with translation.override(language_for(accept_language=request["accept_language"])):
                    return await _send(send, *_unavailable())
        await _send(send, *await self._handle(**request))

    async def _async_pool(self):
        """One async psycopg pool per server process, opened on first use."""

        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool_loop is not loop:
            if self._pool_loop is not loop:  # a pool belongs to the loop that opened it
                self._pool, self._pool_lock, self._pool_loop = None, asyncio.Lock(), loop
            async with self._pool_lock:
                if self._pool is None:
                    kwargs, role = pool_connection_params()
                    holder = {}

                    async def alive(conn) -> None:
                        # No round trip; a dead one (a restart) means the others are too: drop them
                        # all now, instead of the pool backing off a second, two, four… per dead one.
                        if dbfaults.idle_connection_is_dead(conn):
                            await holder["pool"].check()
                            raise psycopg.OperationalError("the server closed this connection")

                    async def assume_role(conn) -> None:  # as Django's connection does (OPTIONS assume_role)
                        await conn.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(role)))

                    pool = psycopg_pool.AsyncConnectionPool(
                        "",
                        kwargs={**kwargs, "autocommit": True},
                        configure=assume_role if role else None,
                        check=alive,
                        min_size=2,
                        max_size=int(os.environ.get("DB_ASYNC_POOL_MAX", "10")),
                        open=False,
                    )
                    holder["pool"] = pool
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def pool_connection_params() -> tuple[dict, str | None]:
    """What Django connects to ``default`` with — NAME, USER, PASSWORD, HOST, PORT and every
    OPTION (``sslmode``, ``options``, ``service``…), from Django's own
    ``get_connection_params()`` — as keywords for the async pool's connections, and the role
    Django assumes after connecting (OPTIONS ``assume_role``), if any. Django's Python-side
    objects (its sync cursor class, its adapters) stay Django's; prepared statements stay on (the
    pool runs two hot statements) unless OPTIONS sets ``prepare_threshold`` itself."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)  # never connected: only its parameters
    params = wrapper.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    if "prepare_threshold" not in wrapper.settings_dict["OPTIONS"]:
        params.pop("prepare_threshold", None)
    return params, wrapper.settings_dict["OPTIONS"].get("assume_role")


def _is_secure(scope, headers: dict) -> bool:
    """HTTPS, as Django's ``request.is_secure()`` decides it (the scheme, or the proxy's header)."""
    if scope.get("scheme") == "https":
        return True
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if not proxy:
        return False
    name, value = proxy
    header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
    return headers.get(header, b"").decode("latin-1").split(",")[0].strip() == value


async def _read_body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _strict_transport() -> list[tuple[bytes, bytes]]:
    """HSTS as SecurityMiddleware sends it (the fast path answers only HTTPS when it is on)."""
    if not settings.SECURE_HSTS_SECONDS:
        return []
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return [(b"strict-transport-security", value.encode())]


async def _send(send, status: int, payload, extra: dict) -> None:

    body = json.dumps(payload, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"vary", b"Accept-Language, Authorization"),
        (b"x-content-type-options", b"nosniff"),
        *[(k.lower().encode(), v.encode()) for k, v in extra.items()],
        *_strict_transport(),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

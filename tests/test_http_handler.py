"""HTTP under daphne (config.http): each request whole on one long-lived handler thread, as a
WSGI server runs Django, and a streaming answer sent part by part from its own thread."""

import asyncio
import itertools
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core import signals
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import path

from config.http import ThreadedHTTP

pytestmark = [pytest.mark.django_db(transaction=True)]

SENT: list[dict] = []  # what the application has sent so far (read by the streaming view)


_MARKS = itertools.count(1)


def where(request):
    thread = threading.current_thread()
    cache = caches["default"]
    if not hasattr(cache, "probe_mark"):  # a mark of this very client object (an id() may be reused)
        cache.probe_mark = next(_MARKS)
    return JsonResponse({"thread": thread.name, "ident": thread.ident, "cache": cache.probe_mark})


def cookie(request):
    response = HttpResponse("ok")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


def stream(request):
    def parts():
        yield b"head;"
        # The first part is out before the second is made: the answer is not held whole.
        yield f"sent-before-second={sum(1 for m in SENT if m.get('body'))};".encode()
        yield threading.current_thread().name.encode()

    return StreamingHttpResponse(parts())


def stream_async(request):
    """As the ledger's exports stream: an async iterator whose reads hop to the request's thread."""

    async def parts():
        yield b"head;"
        sent = sum(1 for m in SENT if m.get("body"))
        yield f"sent-before-second={sent};".encode()
        yield (await sync_to_async(lambda: threading.current_thread().name, thread_sensitive=True)()).encode()

    return StreamingHttpResponse(parts())


urlpatterns = [path("where", where), path("cookie", cookie), path("stream", stream), path("stream-async", stream_async)]


def _scope(path: str, method: str = "GET") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def _call(app, path: str) -> list[dict]:
    SENT.clear()
    given = []

    async def receive():
        if given:  # after the body: nothing more until the client goes (it never does here)
            await asyncio.Event().wait()
        given.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        SENT.append(message)

    async def run():
        await app(_scope(path), receive, send)

    asyncio.run(run())
    return list(SENT)


def _body(messages: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


@pytest.fixture
def app():
    with override_settings(ROOT_URLCONF=__name__):
        handler = ThreadedHTTP(threads=2)
        yield handler
        handler.executor.shutdown()


def test_each_request_runs_on_one_of_a_few_long_lived_threads_that_keep_their_clients(app):
    seen = [json.loads(_body(_call(app, "/where"))) for _ in range(8)]
    assert all(s["thread"].startswith("http") for s in seen)
    assert len({s["ident"] for s in seen}) <= 2  # the same threads, request after request
    # What Django keeps per thread lives on: the same cache client (so the same Redis connection)
    # for every request of a thread, not a new one per request.
    by_thread = {}
    for s in seen:
        by_thread.setdefault(s["ident"], set()).add(s["cache"])
    assert all(len(clients) == 1 for clients in by_thread.values())


def test_the_request_signals_fire_once_per_request_on_the_handler_thread(app):
    fired = []

    def started(**kwargs):
        fired.append(("started", threading.current_thread().name))

    def finished(**kwargs):
        fired.append(("finished", threading.current_thread().name))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        _call(app, "/where")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert [kind for kind, _ in fired] == ["started", "finished"]
    assert all(name.startswith("http") for _, name in fired)


def test_every_cookie_is_its_own_header(app):
    start = _call(app, "/cookie")[0]
    assert start["status"] == 200
    cookies = sorted(v.decode() for k, v in start["headers"] if k == b"Set-Cookie")
    assert [c.split(";")[0] for c in cookies] == ["first=1", "second=2"]


@pytest.mark.parametrize("path", ["/stream", "/stream-async"])
def test_a_streaming_answer_goes_out_part_by_part_from_its_request_s_thread(app, path):
    messages = _call(app, path)
    assert messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200
    bodies = messages[1:]
    assert all(m.get("more_body") for m in bodies[:-1]) and not bodies[-1].get("more_body")
    text = _body(messages).decode()
    head, counted, thread = text.split(";")
    assert head == "head" and counted == "sent-before-second=1"
    assert thread.startswith("http")


def test_an_unknown_path_is_answered_by_django_as_usual(app):
    start = _call(app, "/nowhere")[0]
    assert start["status"] == 404

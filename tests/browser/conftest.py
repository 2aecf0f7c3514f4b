"""Real Chromium (Debian's package, driven by Playwright) on a phone-sized viewport."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection


def chromium_path() -> str | None:
    return os.environ.get("HOMESLOT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium():
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, which other tests (``async_to_sync``) must not inherit."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs its own event loop; Django must allow ORM calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


# Every frame a page's WebSocket receives goes to the test too, to be checked as it closes.
_HEAR_FRAMES = """(() => {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', (m) => window.__homeslotHeard(m.data));
        }
    };
})();"""


def _contexts(chromium, **options):
    """Open pages, each in a new browser context with ``options``; close them all afterwards,
    then check every event their sockets heard (``tests/realtime/event_checks.py``)."""
    from tests.realtime.event_checks import check_frame

    contexts, heard = [], []

    def open_page():
        context = chromium.new_context(locale="zh-CN", **options)
        context.expose_binding("__homeslotHeard", lambda _source, text: heard.append(text))
        context.add_init_script(_HEAR_FRAMES)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    for text in heard:
        check_frame(json.loads(text))


@pytest.fixture
def phone(chromium):
    """A new browser context the size of a cheap Android phone, in Chinese."""
    yield from _contexts(chromium, viewport={"width": 360, "height": 740}, accept_downloads=True)


@pytest.fixture
def laptop(chromium):
    """A new browser context the size of a supervisor's laptop, in Chinese."""
    yield from _contexts(chromium, viewport={"width": 1280, "height": 860})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    """The real platform (daphne: HTTP and WebSocket) on a free port, on the test database.

    Realtime crosses processes, so this needs PostgreSQL (the test process's rows are committed
    and visible to the server) and Redis (events published by the test process reach the
    server's sockets through the channel layer). Returns the base URL.
    """
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("the live ASGI server needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    root = Path(__file__).resolve().parents[2]
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.live_settings",
        "HOMESLOT_LIVE_DB_NAME": connection.settings_dict["NAME"],
        "DB_POOL_MIN": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = open(root / "var" / f"daphne-{port}.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"daphne exited with {server.returncode}; see {log.name}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"daphne did not listen within 30 s; see {log.name}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        # Its pooled connections are gone before the test database is flushed.


@pytest.fixture
def sms_folder(tmp_path, monkeypatch):
    """The live server's text messages go to files in this folder (set before the server starts), to be
    read back with ``accounts.sms.backends.file.messages_for``."""
    folder = tmp_path / "sms"
    monkeypatch.setenv("HOMESLOT_SMS_BACKEND", "file")
    monkeypatch.setenv("HOMESLOT_SMS_FILE_PATH", str(folder))
    return folder


@pytest.fixture
def server(sms_folder, asgi_server):
    """The live server, its SMS in ``sms_folder``."""
    return asgi_server

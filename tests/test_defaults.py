"""Safe by default: DEBUG off unless a developer asks (DJANGO_DEBUG=1), a secret key of the installation's
own in var/ when none is set, and friendly pages in her language for 400/403/404/500 — under the real
server too, which still serves its static files."""

import contextlib
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

from config import urls as project_urls

REPO = Path(__file__).resolve().parents[1]


def settings_of(env: dict, *names: str) -> list[str]:
    """The named settings as a fresh process reads them from ``env`` (nothing else of ours inherited)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HOMESLOT_"))}
    code = "import django; django.setup(); from django.conf import settings as s; " + "; ".join(
        f"print(repr(s.{name}))" for name in names
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_debug_is_off_unless_asked_for(tmp_path):
    assert settings_of({"HOMESLOT_VAR_DIR": str(tmp_path)}, "DEBUG") == ["False"]
    assert settings_of({"HOMESLOT_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "1"}, "DEBUG") == ["True"]
    assert settings_of({"HOMESLOT_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "0"}, "DEBUG") == ["False"]


def test_without_a_key_one_is_made_in_var_once_readable_by_the_owner_alone(tmp_path):
    # given no DJANGO_SECRET_KEY, on first start
    (first,) = settings_of({"HOMESLOT_VAR_DIR": str(tmp_path)}, "SECRET_KEY")

    # then a key is kept in var/secret_key, mode 0600, long and random enough for check --deploy
    kept = tmp_path / "secret_key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert repr(kept.read_text().strip()) == first
    assert len(eval(first)) >= 50 and len(set(eval(first))) >= 5
    # and every later start (and every other process) reads the same one
    assert settings_of({"HOMESLOT_VAR_DIR": str(tmp_path)}, "SECRET_KEY") == [first]


def test_a_key_in_the_environment_wins_and_makes_no_file(tmp_path):
    assert settings_of({"HOMESLOT_VAR_DIR": str(tmp_path), "DJANGO_SECRET_KEY": "k" * 60}, "SECRET_KEY") == [
        repr("k" * 60)
    ]
    assert not (tmp_path / "secret_key").exists()


def test_the_makefile_runs_without_debug():
    makefile = (REPO / "Makefile").read_text()

    assert "DJANGO_DEBUG" not in makefile
    assert "-m config.server" in makefile


# --- The error pages (DEBUG off, as in the test settings and by default) ---


def broken(request):
    raise RuntimeError("a bug with a secret in it")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [path("broken/", broken), path("forbidden/", forbidden), path("", include("config.urls"))]
# The project's own handlers (an AttributeError here if config/urls.py lost one).
handler400, handler403, handler404, handler500 = (
    project_urls.handler400,
    project_urls.handler403,
    project_urls.handler404,
    project_urls.handler500,
)


@pytest.fixture
def pages(settings):
    settings.ROOT_URLCONF = __name__
    assert settings.DEBUG is False
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("path", "host", "status", "words"),
    [
        ("/no-such-page/", "testserver", 404, "这个页面不存在。"),
        ("/broken/", "testserver", 500, "我们这边出了点问题，请稍后再试。"),
        ("/forbidden/", "testserver", 403, "您没有权限打开这个页面。"),
        ("/m/", "evil.example", 400, "这个请求无法处理，请返回后再试一次。"),
    ],
)
def test_error_pages_are_friendly_chinese_pages_that_tell_nothing_of_the_code(db, pages, path, host, status, words):
    response = pages.get(path, HTTP_HOST=host)

    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert words in body and "返回首页" in body
    for leak in ("Traceback", "a secret in it", "URLconf", "DEBUG", "SECRET_KEY", "config.urls", "Django"):
        assert leak not in body, leak


def test_an_error_page_in_english_for_an_english_reader(db, pages):
    response = pages.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")

    assert "This page does not exist." in response.content.decode()


# --- The real server, as make run starts it: no DEBUG, no key, nothing configured ---


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def bare_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HOMESLOT_", "DATABASE_", "REDIS_"))}
    env.update({"HOMESLOT_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "config.server", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not listen within 30 s"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_real_server_without_debug_serves_static_files_and_friendly_pages(tmp_path):
    with bare_server(tmp_path) as base:
        script = fetch(f"{base}/static/frontend/mother.js")
        docs_bundle = fetch(f"{base}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
        missing = fetch(f"{base}/no-such-page/", **{"Accept-Language": "zh-hans"})
        api_missing = fetch(f"{base}/api/v1/nope")

    assert script[0] == 200 and script[2] == (REPO / "frontend/static/frontend/mother.js").read_bytes()
    assert script[1]["Content-Type"].startswith("text/javascript")
    assert docs_bundle[0] == 200 and len(docs_bundle[2]) > 100_000
    assert missing[0] == 404 and "这个页面不存在。" in missing[2].decode() and "URLconf" not in missing[2].decode()
    assert api_missing[0] == 404 and api_missing[1]["Content-Type"] == "application/json"
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600

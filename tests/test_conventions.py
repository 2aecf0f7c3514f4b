"""Conventions the suite enforces cheaply."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient
from rest_framework.views import APIView


def _api_views():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
                if view and issubclass(view, APIView) and (prefix + str(p.pattern)).startswith("api/v1/"):
                    yield prefix + str(p.pattern), view

    return list(walk(get_resolver().url_patterns))


PUBLIC_ROUTES = ("api/v1/auth/token", "api/v1/auth/accept-invitation")


def test_every_api_view_declares_its_permission_classes():
    views = _api_views()
    assert len(views) >= 20
    for route, view in views:
        assert "permission_classes" in view.__dict__, f"{route}: {view.__name__} relies on the default permission"
        if route not in PUBLIC_ROUTES:
            assert AllowAny not in view.permission_classes, route


def test_every_api_view_reads_json_through_the_depth_safe_parser():
    from rest_framework import parsers

    from core.parsers import JSONParser

    for route, view in _api_views():
        json_parsers = [p for p in view.parser_classes if issubclass(p, parsers.JSONParser)]
        assert json_parsers in ([JSONParser], []), f"{route}: {view.__name__} parses JSON with {json_parsers}"


def test_every_api_endpoint_refuses_anonymous_callers(db):
    client = APIClient()
    for route, _view in _api_views():
        if route in PUBLIC_ROUTES:
            continue
        url = "/" + route.replace("<id:pk>", "1").replace("<uuid:pk>", "00000000-0000-0000-0000-000000000001")
        url = url.replace("<id:user_id>", "1")
        for method in ("get", "post", "put", "patch"):
            response = getattr(client, method)(url)
            assert response.status_code in (401, 405), (method, url, response.status_code)


def test_openapi_schema_generates(db):
    response = APIClient().get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/projects/{id}/claim-next" in paths
    assert "/api/v1/submissions/{id}/review" in paths


def test_openapi_schema_is_valid_and_has_no_warnings(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_api_docs_page_loads_its_assets_from_us_not_a_cdn(db):
    page = APIClient().get("/api/docs/")

    assert page.status_code == 200
    # Every script and stylesheet comes from our own /static/ (a random CSRF token may contain "cdn").
    html = page.content.decode()
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html), "an asset from another host"
    for host in ("cdn.", "jsdelivr", "unpkg", "cdnjs"):
        assert host not in html.lower(), host
    assert APIClient().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_unknown_api_path_is_a_json_404(db, settings):
    settings.DEBUG = False
    response = APIClient().get("/api/v1/nope")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("debug", ["1", "0"])
def test_settings_start_with_a_key(tmp_path, debug):
    env = {**os.environ, "DJANGO_DEBUG": debug, "DJANGO_SECRET_KEY": "x" * 50, "HOMESLOT_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.TIME_ZONE, settings.LANGUAGE_CODE)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Asia/Shanghai", "zh-hans"]


def test_every_message_in_the_code_has_chinese(tmp_path):
    """makemessages over the code finds no msgid without a translation in locale/zh_Hans.py."""
    import shutil
    from pathlib import Path

    if not shutil.which("xgettext"):
        pytest.skip("needs gettext's xgettext")
    repo = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo / "locale"))
    from zh_Hans import ZH

    sources = [
        p
        for app in (
            "accounts",
            "workers",
            "tasks",
            "ledger",
            "realtime",
            "fairwork",
            "notices",
            "background",
            "frontend",
            "config",
            "core",
        )
        for p in (repo / app).rglob("*.py")
    ]
    templates = list((repo / "frontend").rglob("*.html"))
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--keyword=_",
            "--keyword=gettext",
            "--keyword=gettext_lazy",
            "--from-code=UTF-8",
            "-o",
            str(pot),
            *map(str, sources),
        ],
        check=True,
    )
    found = set()
    import ast

    current = None
    for line in pot.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current = ast.literal_eval(line[6:])
        elif current is not None and line.startswith('"'):
            current += ast.literal_eval(line)
        else:
            if current:
                found.add(current)
            current = None
    for template in templates:  # {% translate "…" %}
        import re

        found |= set(re.findall(r'{% translate "([^"]+)" %}', template.read_text(encoding="utf-8")))
    assert found, "xgettext found nothing"
    missing = sorted(found - set(ZH))
    assert missing == [], "\n".join(missing)


def test_only_the_lock_order_module_takes_row_locks():
    """core/locks.py is the one place that calls ``select_for_update`` (it keeps the project's lock
    order); services lock through it, views and pages never lock."""
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/**/*.py")
        if path.parts[len(root.parts)] not in ("tests", "bench", ".venv")
        and "migrations" not in path.parts
        and path != root / "core" / "locks.py"
        and "select_for_update" in path.read_text()
    ]
    assert offenders == []

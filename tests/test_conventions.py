"""Conventions the suite enforces cheaply."""

import ast
import collections
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


PUBLIC_ROUTES = (
    "api/v1/auth/token",
    "api/v1/auth/accept-invitation",
    "api/v1/auth/sms-code",
    "api/v1/auth/sign-up",
    "api/v1/auth/password-reset",
)


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
        url = "/" + route.replace("<id:pk>", "1")
        url = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000001", url)
        url = re.sub(r"<id:\w+>", "1", url)
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


# --- the shape of the code ------------------------------------------------------------------------
# One obvious place for each kind of code: modules stay one screen of concepts, and a dependency is
# declared at the top of the module that has it, where a reader (and import-linter) sees it.

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
APPS = ("accounts", "background", "config", "core", "fairwork", "frontend", "ledger", "realtime", "tasks", "workers")
APPS += ("notices", "skills", "integrations", "standards")
# Imports inside a function allowed without a reason in a comment: none (the lanes of issue 13 mended
# the last ones).
FUNCTION_IMPORTS_ALLOWED = collections.Counter()


def _project_modules(roots=None, base=ROOT):
    """The project's Python files outside migrations/, tests/ and locale/ (bench/ included)."""
    for top in sorted(base.iterdir()) if roots is None else [base / r for r in roots]:
        if not top.is_dir() or top.name.startswith(".") or top.name in ("tests", "locale", "node_modules"):
            continue
        for folder, dirs, names in os.walk(top):  # does not follow symbolic links
            dirs[:] = [d for d in dirs if d != "migrations" and not d.startswith((".", "__pycache__"))]
            yield from (Path(folder) / name for name in names if name.endswith(".py"))


def modules_too_long(base=ROOT) -> list[str]:
    return [
        f"{path.relative_to(base)}: {lines} lines"
        for path in _project_modules(base=base)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]


def _explained(lines: list[str], node) -> bool:
    """The import's own lines, or the comment lines right above it, say why: a cycle, or lazy."""
    said = lines[node.lineno - 1 : node.end_lineno]
    above = node.lineno - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        said.append(lines[above])
        above -= 1
    return any(re.search(r"\b(cycle|lazy)\b", line.split("#", 1)[1], re.IGNORECASE) for line in said if "#" in line)


def function_level_imports(source: str) -> list[tuple[int, str]]:
    """Imports inside a function body not explained by a comment: ``(line, statement)``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = {
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    }
    return sorted((node.lineno, ast.unparse(node)) for node in found if not _explained(lines, node))


def unexplained_function_imports(base=ROOT) -> list[str]:
    allowed = FUNCTION_IMPORTS_ALLOWED.copy()
    offenders = []
    for path in _project_modules(APPS, base=base):
        where = str(path.relative_to(base))
        for line, statement in function_level_imports(path.read_text(encoding="utf-8")):
            if allowed[(where, statement)] > 0:
                allowed[(where, statement)] -= 1
            else:
                offenders.append(f"{where}:{line}: {statement}")
    return offenders


def test_no_module_is_longer_than_a_screen_of_concepts():
    """No Python module outside migrations, tests and locale is over 400 lines: split it by concept."""
    assert modules_too_long() == []


def test_imports_are_at_the_top_of_the_module():
    """An import inside a function hides a dependency (and module cycles): only with a comment that
    says why (``# cycle: <which apps>``, ``# lazy: <why>``), or in the short list above."""
    assert unexplained_function_imports() == []


def test_the_shape_checks_catch_what_they_are_for(tmp_path):
    assert len(list(_project_modules())) > 100 and len(list(_project_modules(APPS))) > 100
    for app in ("ledger", "tests", "locale", "ledger/migrations"):
        (tmp_path / app).mkdir(parents=True, exist_ok=True)
        (tmp_path / app / "long.py").write_text("X = 1\n" * (MAX_MODULE_LINES + 1))
    (tmp_path / "ledger" / "ok.py").write_text("X = 1\n" * MAX_MODULE_LINES)
    assert modules_too_long(tmp_path) == ["ledger/long.py: 401 lines"]
    bare = "def f():\n    from tasks.models import Task\n\n    return Task\n"
    (tmp_path / "ledger" / "bare.py").write_text(bare)
    (tmp_path / "ledger" / "migrations" / "0001_x.py").write_text(bare)
    assert unexplained_function_imports(tmp_path) == ["ledger/bare.py:2: from tasks.models import Task"]
    assert function_level_imports(bare) == [(2, "from tasks.models import Task")]
    assert function_level_imports("def f():\n    # cycle: tasks ↔ ledger\n    import json\n") == []
    assert function_level_imports("def f():\n    import json  # lazy: only the export needs it\n") == []
    assert function_level_imports("def f():\n    # a comment without the reason\n    import json\n") != []
    assert function_level_imports("import json\n\n\ndef f():\n    return json\n") == []

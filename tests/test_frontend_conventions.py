"""Pages hold no transaction and take no lock: a view parses its input, calls one service and renders
(the service runs in its own transaction and locks through ``core.locks``). And ``core/locks.py`` is
the one module that calls ``select_for_update``, however the call is spelled.

Read from the syntax tree, so a comment or a docstring that names these is not an offence, and a
spelling the plain text search of ``tests/test_conventions.py`` would miss (a ``getattr`` with the
name cut in two string literals) is."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_APP_CODE = ("tests", "bench", "node_modules")
LOCK_MODULE = Path("core/locks.py")
# Besides core/locks.py, the only SQL that locks rows itself: the plpgsql one-statement claim, which
# takes the same locks as the ORM claim, in the same order.
SQL_LOCKS_ALLOWED = (LOCK_MODULE, Path("tasks/claim_sql.py"))

# What opens, joins or hooks into a transaction: none of it belongs in a page.
TRANSACTION_ATTRIBUTES = {
    "atomic",
    "non_atomic_requests",
    "on_commit",
    "savepoint",
    "savepoint_commit",
    "savepoint_rollback",
    "set_autocommit",
    "set_rollback",
    "select_for_update",
}
SQL_ROW_LOCK = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b|\bLOCK\s+TABLE\b|\bpg_(?:try_)?advisory_(?:xact_)?lock",
    re.IGNORECASE,
)


def app_modules():
    """Every Python module of the application, migrations aside, as paths relative to the root."""
    for top in sorted(ROOT.iterdir()):
        if top.name.startswith(".") or top.name in NOT_APP_CODE:
            continue
        found = [top] if top.suffix == ".py" else sorted(top.rglob("*.py")) if top.is_dir() else []
        for path in found:
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT)


def frontend_modules():
    return [path for path in app_modules() if path.parts[0] == "frontend"]


def _strings(tree) -> list[tuple[int, str]]:
    """The string literals of a module, docstrings aside (implicitly joined literals are one)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def row_locks(source: str, *, sql: bool = True) -> list[str]:
    """Where a module locks rows: ``select_for_update`` in any spelling, and (``sql``) row locks in SQL."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "select_for_update":
            found.append(f"line {node.lineno}: .select_for_update")
        elif isinstance(node, ast.Name) and node.id == "select_for_update":
            found.append(f"line {node.lineno}: select_for_update")
    for line, text in _strings(tree):
        if "select_for_update" in text:
            found.append(f"line {line}: {text!r}")
        elif sql and SQL_ROW_LOCK.search(text):
            found.append(f"line {line}: SQL that locks rows")
    return found


def page_offences(source: str) -> list[str]:
    """What a page must not do: open or hook into a transaction, take a lock (ORM, SQL or core.locks)."""
    tree = ast.parse(source)
    found = row_locks(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            if module in ("django.db.transaction", "core.locks") or module.startswith("django.db.transaction."):
                found.append(f"line {node.lineno}: from {module} import …")
            elif module == "django.db" and "transaction" in names:
                found.append(f"line {node.lineno}: from django.db import transaction")
            elif module == "core" and "locks" in names:
                found.append(f"line {node.lineno}: from core import locks")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("django.db.transaction", "core.locks"):
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in TRANSACTION_ATTRIBUTES - {"select_for_update"}:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_no_page_opens_a_transaction_or_takes_a_lock():
    modules = frontend_modules()
    assert len(modules) >= 15 and Path("frontend/mother_hall.py") in modules
    offences = {str(path): page_offences((ROOT / path).read_text(encoding="utf-8")) for path in modules}
    assert {path: found for path, found in offences.items() if found} == {}


def test_only_the_lock_order_module_calls_select_for_update_in_any_spelling():
    modules = list(app_modules())
    assert LOCK_MODULE in modules and Path("tasks/services/claims.py") in modules
    offences = {
        str(path): row_locks((ROOT / path).read_text(encoding="utf-8"), sql=path not in SQL_LOCKS_ALLOWED)
        for path in modules
        if path != LOCK_MODULE
    }
    assert {path: found for path, found in offences.items() if found} == {}
    assert row_locks((ROOT / LOCK_MODULE).read_text(encoding="utf-8"), sql=False)  # the scan sees it there


@pytest.mark.parametrize(
    "source",
    [
        "from django.db import transaction",
        "from django.db import models, transaction as tx",
        "from django.db.transaction import atomic",
        "import django.db.transaction",
        "import django.db\nwith django.db.transaction.atomic():\n    pass",
        "@transaction.atomic\ndef view(request):\n    pass",
        "with transaction.atomic():\n    pass",
        "with db.transaction.atomic():\n    pass",
        "point = connection.savepoint()",
        "transaction.on_commit(lambda: None)",
        "connection.on_commit(print)",
        "transaction.set_rollback(True)",
        "@transaction.non_atomic_requests\ndef view(request):\n    pass",
        "Project.objects.select_for_update().get(pk=1)",
        "Project.objects.filter(pk=1).select_for_update(\n    nowait=True\n)",
        "Project.objects . select_for_update ()",
        "getattr(Project.objects, 'select_for_update')()",
        "getattr(Project.objects, 'select_' 'for_update')()",
        "from core import locks",
        "from core import languages, locks",
        "from core.locks import lock_one",
        "import core.locks",
        "cursor.execute('SELECT id FROM tasks_project WHERE id = %s FOR UPDATE', [1])",
        "cursor.execute('''SELECT id FROM tasks_task\n    FOR NO KEY UPDATE SKIP LOCKED''')",
        "cursor.execute('SELECT pg_advisory_xact_lock(1)')",
    ],
)
def test_the_page_check_catches(source):
    assert page_offences(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from tasks import services\nmade = services.task_claim_next(worker=u, project_id=1, slot_id=2, after_claim_id=3)",
        '"""Views call services, which run in transaction.atomic() and lock with select_for_update."""',
        "def view(request):\n    '''Never transaction.on_commit here.'''\n    return None",
        "# transaction.atomic is the services' business\nx = 1",
        "from django.db.models import Max",
        "entry = posting.transaction\nkind = transaction.kind",
        "message = _('Ready for updates? The hall is open.')",
    ],
)
def test_the_page_check_lets_a_thin_view_be(source):
    assert page_offences(source) == [], source

"""Every refusal in the caller's language: ``gettext`` at import time froze balance_too_low and
nothing_to_pay in Chinese for an English caller. Messages read at import are lazy; each error code reads
Chinese under zh-hans and English under en, in the code and through the API."""

import ast
import datetime
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django.utils import translation

from core.errors import DomainError
from ledger.models import PayoutBatch
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

REPO = Path(__file__).resolve().parents[1]
APPS = [
    "accounts",
    "workers",
    "tasks",
    "ledger",
    "realtime",
    "fairwork",
    "notices",
    "skills",
    "standards",
    "integrations",
    "background",
    "frontend",
    "config",
    "core",
]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def all_domain_errors() -> list[type[DomainError]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, pending = [], [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


ERRORS = all_domain_errors()


def test_the_walk_finds_the_errors_of_every_app():
    codes = {cls.code for cls in ERRORS}

    assert len(ERRORS) >= 30
    assert {"balance_too_low", "nothing_to_pay", "task_already_claimed", "slot_full", "hours_limit_reached"} <= codes


@pytest.mark.parametrize("error", ERRORS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_error_code_reads_chinese_in_zh_hans_and_english_in_en(error):
    with translation.override("zh-hans"):
        chinese = str(error().message)
    with translation.override("en"):
        english = str(error().message)

    assert CJK.search(chinese), f"{error.code}: {chinese!r} is not Chinese"
    assert not CJK.search(english), f"{error.code}: {english!r} is not English"


def _eager_calls_at_import(path: Path) -> list[str]:
    """Calls of a non-lazy ``gettext`` that run when the module is imported: at module level, in class
    bodies, in decorators and default arguments."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found = []

    def visit(node, in_function: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            run_at_definition = [*getattr(node, "decorator_list", []), *node.args.defaults]
            run_at_definition += [d for d in node.args.kw_defaults if d is not None]
            for part in run_at_definition:
                visit(part, in_function)
            for part in node.body if isinstance(node.body, list) else [node.body]:
                visit(part, True)
            return
        if not in_function and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)[:70]}")
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    if names:
        visit(tree, False)
    return found


def test_no_module_translates_at_import_time():
    modules = [p for app in APPS for p in (REPO / app).rglob("*.py") if "migrations" not in p.parts]

    assert [call for path in modules for call in _eager_calls_at_import(path)] == []


# --- Through the API: real refusals, each in both languages ---


@pytest.fixture
def owed(company, finance, mother):
    factories.worked_for(company, mother)
    return mother


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "这会使妈妈的余额变为负数。"), ("en", "This would take a mother's balance below zero.")],
)
def test_balance_too_low_in_her_language(finance, owed, language, words):
    before = world()

    response = api_for(finance).post(
        "/api/v1/ledger/adjustments",
        {"worker": owed.pk, "amount_fen": -100, "reason": "多付"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert_refused(response, 409, "balance_too_low", before)
    assert response.json()["error"]["message"] == words


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "这个结算期没有需要发放的款项。"), ("en", "No mother has money to be paid for this period.")],
)
def test_nothing_to_pay_in_her_language(finance, language, words):
    today = datetime.date.today()
    period_end = today.replace(day=1) - datetime.timedelta(days=1)

    response = api_for(finance).post(
        "/api/v1/payouts",
        {"period_start": period_end.replace(day=16).isoformat(), "period_end": period_end.isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 409 and response.json()["error"]["code"] == "nothing_to_pay"
    assert response.json()["error"]["message"] == words
    assert not PayoutBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "已发布的项目不能设为已发布。"), ("en", "A published project cannot be published.")],
)
def test_a_wrong_transition_names_the_action_in_her_language(supervisor, assembly, language, words):
    before = world()

    response = api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/publish", HTTP_ACCEPT_LANGUAGE=language)

    assert_refused(response, 409, "wrong_state", before)
    assert response.json()["error"]["message"] == words


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_someone_faster_in_her_language(mother, other_mother, assembly, slot, language):
    task = assembly.tasks.first()
    api_for(other_mother).post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json")
    before = world()

    response = api_for(mother).post(
        f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert_refused(response, 409, "task_already_claimed", before)
    expected = "刚被别人领走了，换一个试试吧。" if language == "zh-hans" else "Someone else just claimed this task."
    assert response.json()["error"]["message"] == expected

"""The catalogue of error codes: every code a client can read is a class (or, for what the HTTP plumbing
answers by itself, a name in ``core.errors``), each code belongs to one class, and the README's tables
list exactly these codes with the status each answers. No module passes a code as a string or defines a
domain error outside an ``errors.py``."""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from core import errors
from core.errors import DomainError

REPO = Path(__file__).resolve().parents[1]
APPS = ["accounts", "workers", "tasks", "ledger", "realtime", "fairwork", "notices", "skills", "background", "frontend"]
APPS += ["integrations", "standards"]
PACKAGES = [*APPS, "config", "core"]
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# A row of an error table: | 409 | `slot_full` | … (one cell may name two codes: `a` / `b`).
ROW = re.compile(r"^\| (\d{3}) \| ((?:`[a-z0-9_]+`(?: / )?)+) \|", re.MULTILINE)


def domain_errors() -> list[type[DomainError]]:
    """DomainError and every subclass, with every app module imported (so none is missed)."""
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, pending = [], [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    ours = [cls for cls in set(found) if cls.__module__.split(".")[0] in PACKAGES]  # not a test's own
    return sorted(ours, key=lambda c: f"{c.__module__}.{c.__qualname__}")


ERRORS = domain_errors()
# The classes that name a code (the others, Invalid say, answer their parent's).
CODED = [cls for cls in ERRORS if "code" in cls.__dict__]


def catalogue() -> dict[str, int]:
    """Every code a client can read, with its status: the classes', and the plumbing's own."""
    codes = {cls.code: cls.status for cls in CODED}
    shared = codes.keys() & errors.REQUEST_CODES.keys()
    assert not shared, f"{shared}: a code is a class or a plumbing name, not both"
    return {**codes, **errors.REQUEST_CODES}


def readme_rows() -> list[tuple[str, int]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [(code, int(status)) for status, cell in ROW.findall(text) for code in re.findall(r"`([a-z0-9_]+)`", cell)]


def test_the_walk_finds_the_errors_of_every_app():
    modules = {cls.__module__ for cls in ERRORS}

    assert {f"{app}.errors" for app in ("accounts", "workers", "tasks", "ledger", "fairwork")} <= modules
    assert len(CODED) >= 70


def test_each_code_belongs_to_one_class():
    owners: dict[str, list[str]] = {}
    for cls in CODED:
        owners.setdefault(cls.code, []).append(cls.__qualname__)

    assert {code: names for code, names in owners.items() if len(names) > 1} == {}


@pytest.mark.parametrize("error", ERRORS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_error_has_a_snake_case_code_a_status_and_a_message(error):
    assert SNAKE.fullmatch(error.code), error.code
    assert error.status in (400, 403, 404, 409, 413, 503)
    assert str(error.message).strip()
    assert error().details == {}


@pytest.mark.parametrize("code", sorted(errors.REQUEST_CODES))
def test_the_plumbing_codes_are_snake_case(code):
    assert SNAKE.fullmatch(code)


def test_the_readme_lists_every_code_once_with_its_status():
    rows = readme_rows()
    listed = dict(rows)

    assert sorted(code for code, _status in rows) == sorted(listed), "a code is listed twice"
    assert sorted(listed.keys() - catalogue().keys()) == [], "listed in the README but no such code"
    assert sorted(catalogue().keys() - listed.keys()) == [], "a code the README does not list"
    assert {code: status for code, status in listed.items() if catalogue()[code] != status} == {}


# --- Codes are classes: nobody writes one as a string, nobody defines an error beside the catalogue ---


def _app_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in (REPO / package).rglob("*.py")
        if "migrations" not in path.parts and "management" not in path.parts
    ]


def literal_codes(source: str) -> list[str]:
    """Calls that pass ``code="…"`` as a string: an error built with an inline code."""
    return [
        f"{node.lineno}: {ast.unparse(node)[:80]}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)
    ]


def error_classes_defined(source: str, error_names: set[str]) -> list[str]:
    """Classes whose base is a domain error (by name: ``Invalid``, ``errors.Conflict``…)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            bases = {base.id if isinstance(base, ast.Name) else getattr(base, "attr", None) for base in node.bases}
            if bases & error_names:
                found.append(f"{node.lineno}: class {node.name}")
    return found


def test_no_module_passes_an_error_code_as_a_string():
    offenders = [
        f"{path.relative_to(REPO)}:{hit}" for path in _app_modules() for hit in literal_codes(path.read_text())
    ]

    assert offenders == []


def test_domain_errors_are_defined_only_in_errors_modules():
    names = {cls.__name__ for cls in ERRORS}
    offenders = [
        f"{path.relative_to(REPO)}:{hit}"
        for path in _app_modules()
        if path.name != "errors.py"
        for hit in error_classes_defined(path.read_text(), names)
    ]

    assert offenders == []
    assert {cls.__module__.rpartition(".")[2] for cls in ERRORS} == {"errors"}


def test_the_scans_catch_what_they_look_for():
    names = {cls.__name__ for cls in ERRORS}
    inline = 'raise Invalid(_("Pieces per batch cannot be more than the total."), code="invalid_split")'
    defined = 'class SlotInPast(Invalid):\n    code = "slot_in_past"\n'

    assert [hit[:10] for hit in literal_codes(inline)] == ["1: Invalid"]
    assert literal_codes('raise ValidationError(message, code="rate_limited")') != []
    assert literal_codes("raise InvalidSplit(message, details={})") == []
    assert error_classes_defined(defined, names) == ["1: class SlotInPast"]
    assert error_classes_defined("class Other(errors.Conflict):\n    pass\n", names) == ["1: class Other"]
    assert error_classes_defined("class Form(forms.Form):\n    pass\n", names) == []

"""Every service says what it takes and what it gives back (DESIGN.md: services take keyword-only,
typed arguments; the acting user is an argument, ``actor: User`` / ``worker: User``).

The services are every ``<app>/services.py`` and ``<app>/services/*.py``, the ``*_requests.py``
modules beside them that queue a background job, and the ledger's other modules of writes. A public
function (its name does not start with ``_``) defined in one of them must annotate every parameter
and its return, and take its arguments by keyword only. Nothing is checked at run time: the
annotations are for the reader and the type checker; this test keeps them from being forgotten.
"""

import importlib
import inspect
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The ledger's writes that live beside ``ledger/services.py`` rather than in a package.
LEDGER_WRITES = ("ledger.payouts", "ledger.adjustments", "ledger.reversals")
# Writes in modules of their own (not services.py), checked like services.
OTHER_WRITES = ("accounts.codes", "accounts.companies", "accounts.sign_up", "workers.sign_up")

# Public functions that take an argument by position, each with the reason it may.
POSITIONAL_ALLOWED = {
    # Not a write: the name a token is shown by, read from one request's User-Agent (or none).
    "accounts.services.token_label": "a helper of one argument, the request",
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def service_modules() -> list[str]:
    found = [
        *ROOT.glob("*/services.py"),
        *ROOT.glob("*/services/*.py"),
        *ROOT.glob("*/*_requests.py"),
    ]
    names = {_module_name(p) for p in found if p.relative_to(ROOT).parts[0] not in {"tests", "bench"}}
    names.update(LEDGER_WRITES, OTHER_WRITES)
    return sorted(n for n in names if not n.endswith("__init__"))


def public_functions(module_name: str) -> list[tuple[str, typing.Callable]]:
    module = importlib.import_module(module_name)
    return [
        (f"{module_name}.{name}", obj)
        for name, obj in vars(module).items()
        if inspect.isfunction(obj) and obj.__module__ == module_name and not name.startswith("_")
    ]


def signature_problems(qualified: str, function: typing.Callable) -> list[str]:
    """What is missing from one function's signature: annotations, keyword-only parameters."""
    signature = inspect.signature(function)  # follows __wrapped__ past @transaction.atomic
    problems = []
    for parameter in signature.parameters.values():
        if parameter.annotation is inspect.Parameter.empty:
            problems.append(f"{qualified}: parameter {parameter.name!r} has no annotation")
        by_position = parameter.kind in (
            parameter.POSITIONAL_ONLY,
            parameter.POSITIONAL_OR_KEYWORD,
            parameter.VAR_POSITIONAL,
        )
        if by_position and qualified not in POSITIONAL_ALLOWED:
            problems.append(f"{qualified}: parameter {parameter.name!r} is not keyword-only")
    if signature.return_annotation is inspect.Signature.empty:
        problems.append(f"{qualified}: no return annotation")
    return problems


def test_the_services_are_found():
    modules = service_modules()
    for expected in (
        "accounts.services",
        "workers.services",
        "notices.services",
        "realtime.services",
        "ledger.services",
        "ledger.payouts",
        "ledger.export_requests",
        "tasks.services.claims",
        "tasks.services.reviews",
    ):
        assert expected in modules
    assert sum(len(public_functions(m)) for m in modules) >= 50


@pytest.mark.parametrize("module_name", service_modules())
def test_every_service_is_typed_and_keyword_only(module_name):
    functions = public_functions(module_name)
    problems = [problem for qualified, function in functions for problem in signature_problems(qualified, function)]
    assert not problems, "\n".join(problems)
    for _qualified, function in functions:
        typing.get_type_hints(function)  # every annotation names something that exists


def test_each_allowed_exception_is_still_needed():
    for qualified in POSITIONAL_ALLOWED:
        module_name, name = qualified.rsplit(".", 1)
        parameters = inspect.signature(getattr(importlib.import_module(module_name), name)).parameters.values()
        assert any(p.kind is not p.KEYWORD_ONLY and p.kind is not p.VAR_KEYWORD for p in parameters), qualified


def test_a_missing_annotation_is_found():
    def service_without_types(*, actor, project_id: int):
        return None

    assert signature_problems("example.service_without_types", service_without_types) == [
        "example.service_without_types: parameter 'actor' has no annotation",
        "example.service_without_types: no return annotation",
    ]


def test_a_positional_parameter_is_found():
    def service_by_position(actor: object, *, project_id: int) -> None:
        return None

    assert signature_problems("example.service_by_position", service_by_position) == [
        "example.service_by_position: parameter 'actor' is not keyword-only"
    ]

"""The layering of docs/ARCHITECTURE.md holds (import-linter, the contracts in pyproject.toml), and a
broken rule is caught: the same check run over a copy of the code with one upward import fails."""

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.providers import NotSupplied, Provider

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
APPS = (
    "config",
    "frontend",
    "integrations",
    "background",
    "standards",
    "tasks",
    "skills",
    "fairwork",
    "ledger",
    "workers",
    "notices",
    "realtime",
)
APPS += ("accounts", "core")


def _lint(root: Path) -> subprocess.CompletedProcess:
    # The copy is linted, not the installed tree: run from it with only it on the path.
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(REPO / "pyproject.toml", root)
    for app in APPS:
        shutil.copytree(REPO / app, root / app, ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    return root


def _with_line(tree: Path, module: str, line: str):
    path = tree / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n" + line + "\n", encoding="utf-8")
    return path, original


def test_the_code_keeps_every_contract(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "says"),
    [
        ("ledger/money.py", "from tasks.models import Claim  # noqa", "ledger is not allowed to import tasks"),
        ("realtime/groups.py", "import frontend.mother  # noqa", "realtime is not allowed to import frontend"),
        ("accounts/phones.py", "from config import settings  # noqa", "accounts is not allowed to import config"),
        ("tasks/selectors.py", "from tasks import api  # noqa", "No cycles are allowed in tasks"),
    ],
)
def test_an_upward_import_or_a_circle_breaks_the_lint(tree, module, line, says):
    path, original = _with_line(tree, module, line)
    try:
        result = _lint(tree)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert says in result.stdout


def test_every_question_of_a_lower_layer_is_answered_once_the_apps_are_ready():
    """Each ``Provider`` declared in an app's facts.py has been supplied by the app above it."""
    providers = []
    for app in APPS:
        if importlib.util.find_spec(f"{app}.facts") is None:
            continue
        module = importlib.import_module(f"{app}.facts")
        providers += [
            (f"{app}.facts.{name}", value) for name, value in vars(module).items() if isinstance(value, Provider)
        ]
    assert len(providers) >= 4
    missing = [name for name, provider in providers if provider._answer is None]
    assert not missing


def test_a_question_nobody_answers_says_so():
    question = Provider("nobody knows")
    with pytest.raises(NotSupplied, match="nobody knows"):
        question()


def test_facts_modules_only_declare_questions():
    """A lower layer's facts.py holds Providers and nothing it could use to reach upward."""
    for app in APPS:
        path = REPO / app / "facts.py"
        if path.exists():
            imports = [line for line in path.read_text(encoding="utf-8").splitlines() if "import" in line]
            assert imports == ["from core.providers import Provider"], path

"""Translations the Django way: ``locale/zh_Hans/LC_MESSAGES/django.po`` is the source translators
edit; ``make messages`` (makemessages + compilemessages) collects the msgids and compiles the committed
``django.mo``. These tests hold that file to the code and the code to that file:

- every entry of every catalogue has Chinese (not empty, not fuzzy, its placeholders kept);
- the committed ``.mo`` is the ``.po`` compiled;
- ``make messages`` run over a copy of the code finds nothing new and nothing gone: every
  ``{% translate %}``, ``{% blocktranslate %}`` and ``gettext`` of the code has its entry;
- the JavaScript carries no words of its own: what it shows comes from the page (the ``m-strings``
  catalogue of the mothers' pages, ``data-*`` attributes of the workspace), which the templates word
  with ``{% translate %}`` — there is no JavaScript catalogue;
- every page of the workspace and of finance reads Chinese, the words its script shows included
  (the mothers' pages: tests/test_mother_pages.py).
"""

import ast
import gettext
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from tasks import services
from tasks.models import Kind
from tests import factories

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "locale" / "zh_Hans" / "LC_MESSAGES"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


# --- reading a .po file -------------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgstr: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __str__(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def read_po(text: str) -> list[Entry]:
    """The entries of a .po file (the header is the entry whose msgid is empty)."""
    entries, entry, part = [], None, None

    def start(number: int) -> Entry:
        nonlocal entry
        if entry is None:
            entry = Entry(line=number)
        return entry

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, part = None, None
            continue
        if line.startswith("#~"):
            start(number).obsolete = True
            line = line[2:].strip()
        elif line.startswith("#,"):
            start(number).flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            part, value = keyword, ast.literal_eval(rest)
            current = start(number)
            if part.startswith("msgstr"):
                current.msgstr.append("")
            elif part == "msgctxt":
                current.msgctxt = ""
            elif part == "msgid_plural":
                current.msgid_plural = ""
        current = start(number)
        if part == "msgid":
            current.msgid += value
        elif part == "msgid_plural":
            current.msgid_plural += value
        elif part == "msgctxt":
            current.msgctxt += value
        elif part is not None and part.startswith("msgstr"):
            current.msgstr[-1] += value
    if entry is not None:
        entries.append(entry)
    return entries


def untranslated_entries(text: str) -> list[str]:
    """What a translator still has to do in a .po file: entries without Chinese, fuzzy ones (msgmerge's
    guesses), obsolete ones, and translations that lost or invented a placeholder."""
    problems = []
    for entry in read_po(text):
        if entry.msgid == "" and entry.msgctxt is None:
            if "fuzzy" in entry.flags:
                problems.append("the header is fuzzy")
            continue
        if entry.obsolete:
            problems.append(f"{entry}: obsolete (#~), no longer in the code: delete it")
        elif "fuzzy" in entry.flags:
            problems.append(f"{entry}: fuzzy, check the Chinese and remove the fuzzy flag")
        elif not entry.msgstr or not all(s.strip() for s in entry.msgstr):
            problems.append(f"{entry}: no Chinese yet")
        else:
            wanted = set(PLACEHOLDER.findall(entry.msgid))
            for msgstr in entry.msgstr:
                if set(PLACEHOLDER.findall(msgstr)) != wanted:
                    problems.append(f"{entry}: the Chinese {msgstr!r} does not keep the placeholders {sorted(wanted)}")
    return problems


def catalogue_of(entries: list[Entry]) -> dict:
    """What msgfmt compiles from ``entries``, keyed as Python's gettext keys a compiled catalogue."""
    catalogue = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags or not all(entry.msgstr) or not entry.msgid:
            continue
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural is None:
            catalogue[msgid] = entry.msgstr[0]
        else:
            catalogue.update({(msgid, n): text for n, text in enumerate(entry.msgstr)})
    return catalogue


def compiled(mo: Path) -> gettext.GNUTranslations:
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def catalogues() -> list[Path]:
    found = sorted(LOCALE.glob("*.po"))
    assert LOCALE / "django.po" in found
    return found


# --- the catalogues ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("po", catalogues(), ids=lambda p: p.name)
def test_every_entry_of_the_catalogue_has_chinese(po):
    text = po.read_text(encoding="utf-8")
    entries = read_po(text)

    assert len(entries) > 700, "the catalogue lost its entries"
    assert untranslated_entries(text) == []
    header = entries[0].msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header and "charset=UTF-8" in header


def test_the_check_finds_what_a_translator_still_has_to_do():
    po = (
        'msgid ""\nmsgstr "Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Close"\nmsgstr "关闭"\n\n'
        'msgid "Open"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Closed"\nmsgstr "关闭"\n\n'
        '#, python-format\nmsgid "%(n)s min"\nmsgstr "分钟"\n\n'
        'msgid "%(n)s task"\nmsgid_plural "%(n)s tasks"\nmsgstr[0] ""\n\n'
        'msgctxt "door"\nmsgid "Shut"\nmsgstr "关"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "没了"\n'
    )

    problems = untranslated_entries(po)

    assert [p.split(": ", 2)[1] for p in problems] == ["'Open'", "'Closed'", "'%(n)s min'", "'%(n)s task'", "'Gone'"]
    assert catalogue_of(read_po(po)) == {"Close": "关闭", "%(n)s min": "分钟", "door\x04Shut": "关"}


@pytest.mark.parametrize("po", catalogues(), ids=lambda p: p.name)
def test_the_committed_mo_is_the_po_compiled(po):
    """Running the platform and the tests needs no gettext: the compiled catalogue is committed, and must
    say what the .po says (after an edit of the .po, ``make messages`` compiles it again)."""
    mo = po.with_suffix(".mo")

    assert mo.exists(), f"{mo.name} is missing: run make messages"
    catalogue = {k: v for k, v in compiled(mo)._catalog.items() if k != ""}
    assert catalogue == catalogue_of(read_po(po.read_text(encoding="utf-8"))), "run make messages"
    if shutil.which("git") and (REPO / ".git").exists():
        ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", str(mo)])
        assert ignored.returncode == 1, f"{mo} is ignored by git: it must be committed"


def test_django_reads_chinese_from_the_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Someone else just claimed this task.") == "刚被别人领走了，换一个试试吧。"
        assert translation.gettext("%(minutes)s min per unit") == "每单位约 %(minutes)s 分钟"  # a blocktranslate
    with translation.override("en"):
        assert translation.gettext("Someone else just claimed this task.") == "Someone else just claimed this task."


# --- make messages over a copy of the code: nothing new, nothing gone --------------------------------------

COPY_IGNORE = {".git", ".venv", "var", "tests", "bench", "media", "staticfiles", "test-artifacts", "__pycache__"}


def regenerated(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    """The LC_MESSAGES folder ``make messages`` leaves in a copy of the repository (plus ``extra`` files)."""
    tools = ["make", "xgettext", "msgmerge", "msguniq", "msgattrib", "msgfmt", "sed"]
    if missing := [tool for tool in tools if not shutil.which(tool)]:
        pytest.skip(f"needs {', '.join(missing)} (gettext's tools)")
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO,
        copy,
        ignore=lambda folder, names: [n for n in names if n in COPY_IGNORE or n.endswith((".pyc", ".sqlite3"))],
    )
    for name, text in (extra or {}).items():
        (copy / name).write_text(text, encoding="utf-8")
    (copy / ".installed").touch()  # the Makefile's stamp of an installed venv: ours is already there
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "HOMESLOT_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        ["make", "-s", "messages", f"PY={sys.executable}", f"STAMP={copy / '.installed'}"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return copy / "locale" / "zh_Hans" / "LC_MESSAGES"


def differences(before: str, after: str) -> list[str]:
    """How the entries of two .po files differ (locations aside: they are only a translator's hint)."""
    old = {e.key: e for e in read_po(before)}
    new = {e.key: e for e in read_po(after)}
    found = [f"new in the code, not in the .po: {new[k].msgid!r}" for k in new if k not in old]
    found += [f"in the .po, no longer in the code: {old[k].msgid!r}" for k in old if k not in new]
    found += [
        f"changed by make messages: {new[k].msgid!r}"
        for k in new
        if k in old and (new[k].msgstr, "fuzzy" in new[k].flags) != (old[k].msgstr, "fuzzy" in old[k].flags)
    ]
    return found


def test_make_messages_finds_every_message_of_the_code_in_the_catalogue(tmp_path):
    """Every ``{% translate %}``, ``{% blocktranslate %}`` and ``gettext`` of the code has an entry in
    django.po and none is left over; otherwise run ``make messages`` and give the new entries Chinese."""
    fresh = regenerated(tmp_path)

    assert sorted(p.name for p in fresh.glob("*.po")) == [p.name for p in catalogues()]
    for po in catalogues():
        assert differences(po.read_text(encoding="utf-8"), (fresh / po.name).read_text(encoding="utf-8")) == []
        assert compiled(fresh / po.with_suffix(".mo").name)._catalog == compiled(po.with_suffix(".mo"))._catalog


def test_make_messages_catches_a_new_blocktranslate(tmp_path):
    probe = (
        "{% load i18n %}{% blocktranslate with n=count %}{{ n }} new parcels{% endblocktranslate %}"
        '<p title="{% translate "Not in Chinese yet" %}"></p>'
    )
    fresh = regenerated(tmp_path, {"frontend/templates/frontend/zz_probe.html": probe})
    after = (fresh / "django.po").read_text(encoding="utf-8")

    assert {
        "new in the code, not in the .po: '%(n)s new parcels'",
        "new in the code, not in the .po: 'Not in Chinese yet'",
    } <= set(differences((LOCALE / "django.po").read_text(encoding="utf-8"), after))
    left = [p for p in untranslated_entries(after) if "new parcels" in p or "Not in Chinese yet" in p]
    assert len(left) == 2  # no Chinese yet, or msgmerge's fuzzy guess


# --- the JavaScript carries no words of its own ------------------------------------------------------------


def js_strings(source: str) -> list[tuple[int, str, str]]:
    """(line, literal, the statement before it) for each string and template literal of a JavaScript
    source; comments and regular expression literals are skipped."""
    found, i, n, last = [], 0, len(source), ""
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i) if "\n" in source[i:] else n
        elif source.startswith("/*", i):
            i = source.index("*/", i + 2) + 2
        elif c in "\"'`":
            j, text = i + 1, []
            while source[j] != c:
                step = 2 if source[j] == "\\" else 1
                text.append(source[j : j + step])
                j += step
            before = re.split(r"[;{}\n]", source[:i])[-1]
            found.append((source.count("\n", 0, i) + 1, "".join(text), before))
            i, last = j + 1, "a"
        elif c == "/" and (
            last == "" or last in "(,=:[!&|?{};+-*%<>~^" or re.search(r"\b(return|typeof)\s*$", source[:i])
        ):
            j, in_class = i + 1, False
            while in_class or source[j] != "/":
                if source[j] == "\\":
                    j += 1
                elif source[j] in "[]":
                    in_class = source[j] == "["
                j += 1
            i = j + 1
            while i < n and source[i].isalpha():
                i += 1
            last = "a"
        else:
            if not c.isspace():
                last = "a" if c.isalnum() or c in "_$" else c
            i += 1
    return found


# Literals with capitals that are names the browser or the server knows, not words a person reads.
CODE_NAMES = {
    "ArrowLeft",
    "ArrowRight",
    "Backspace",
    "Enter",
    "Escape",
    "INPUT",
    "GET",
    "POST",
    "X-CSRFToken",
    "WebSocket",
    "Content-Type",
    "Content-Security-Policy",
    "X-Homeslot-Viewer",
    "PushManager",
    "Notification",
}
# Where a literal would be shown: text of an element, a dialog, an attribute a person reads.
SHOWN = re.compile(
    r"\.(textContent|innerText|innerHTML|outerHTML|placeholder|title|alt|value)\s*\+?=(?!=)|"
    r"\b(alert|confirm|prompt|insertAdjacentHTML|createTextNode)\s*\(|"
    r"\bsetAttribute\(\s*[\"'](title|placeholder|alt|aria-label|value)[\"']\s*,"
)


def shown(before: str) -> bool:
    """Whether a literal coming after ``before`` (its statement so far) goes straight into the page:
    after a place where text is shown, and not inside a call of its own (``confirm(el.getAttribute(…))``)."""
    places = list(SHOWN.finditer(before))
    rest = before[places[-1].end() :] if places else ""
    return bool(places) and rest.count("(") <= rest.count(")")


def words_in_javascript(source: str) -> list[str]:
    """Literal text a person would read in a script: Chinese anywhere, a capitalised word or a sentence
    that is not a name of code, any letters put straight into the page; and calls of a JavaScript
    gettext, for which no catalogue is served."""
    found = [
        f"line {source.count(chr(10), 0, call.start()) + 1}: {call.group(0)}"
        for call in re.finditer(r"\b(n?p?gettext|interpolate)\s*\(", source)
    ]
    for line, literal, before in js_strings(source):
        if literal in CODE_NAMES or literal == "use strict":
            continue
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", literal)  # template tags (sw.js is a template)
        text = re.sub(r"<[^>]*>?|^[^<>]*[\"']\s*>|&#?\w+;", " ", text)  # markup and entities
        if CJK.search(text) or re.search(r"\b[A-Z][A-Za-z]+\b", text) or re.search(r"[A-Za-z][.!?…]\s*$", text):
            found.append(f"line {line}: {literal!r}")
        elif shown(before) and re.search(r"[A-Za-z]", text):
            found.append(f"line {line}: {literal!r} is shown")
    return found


def scripts() -> list[Path]:
    found = [
        path
        for pattern in ("*/static/**/*.js", "*/templates/**/*.js")
        for path in REPO.glob(pattern)
        if path.parts[len(REPO.parts)] not in COPY_IGNORE
    ]
    assert REPO / "frontend" / "static" / "frontend" / "mother.js" in found
    return sorted(found)


@pytest.mark.parametrize("script", scripts(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_script_carries_words_of_its_own(script):
    """A script's words come from its page, worded there by the templates' ``{% translate %}``: the
    mothers' pages hand theirs over in the ``m-strings`` catalogue (frontend/mother.py), the workspace in
    ``data-*`` attributes (``data-confirm``, ``data-state-live``…), the service worker as a value
    its template fills in. Nothing to download, nothing to evaluate, no inline script for the CSP."""
    assert words_in_javascript(script.read_text(encoding="utf-8")) == []


def test_the_script_check_catches_words():
    source = """
      // Comments may say anything: "Sending…"
      var re = /^(TEXTAREA|INPUT)$/, sel = "select, input", key = "ArrowLeft";
      note.textContent = "Saved";
      bar.textContent = S.newTasks + " / " + total;
      if (!window.confirm("确定要关闭吗？")) return;
      el.textContent = 'photos are ready';
      throw new Error("decode");
      el.setAttribute("title", `tap here`);
      var x = gettext("Close");
    """

    assert words_in_javascript(source) == [
        "line 10: gettext(",
        "line 4: 'Saved'",
        "line 6: '确定要关闭吗？'",
        "line 7: 'photos are ready' is shown",
        "line 9: 'tap here' is shown",
        "line 10: 'Close'",
    ]


# --- every page of the workspace and of finance reads Chinese ------------------------------------------------

# Names a Chinese reader meets as they are: the platform, file formats, keys of the keyboard.
ALLOWED_ASCII = {"Homeslot", "CSV", "Excel", "JSONL", "UTF", "Ctrl", "Enter"}
SCRIPT_WORDS = r"data-confirm|data-state-\w+|data-text"


def untranslated(response) -> list[str]:
    """Runs of 2+ ASCII letters a supervisor or finance would read: text, labels, and the words the
    workspace's script shows (its ``data-*`` attributes)."""
    source = response.content.decode()
    readable = re.findall(rf'(?:placeholder|aria-label|title|alt|{SCRIPT_WORDS})="([^"]*)"', source)
    visible = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    readable.append(html.unescape(re.sub(r"<[^>]+>", " ", visible)))
    return sorted({word for text in readable for word in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED_ASCII)


@pytest.fixture
def _default_language():
    """The test client leaves the last request's language active in this thread: not for the next test."""
    yield
    translation.deactivate()


@pytest.mark.django_db
@pytest.mark.usefixtures("_default_language")
def test_every_workspace_and_finance_page_is_all_chinese(
    supervisor, admin_user, finance, company, mother, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    project = factories.project(supervisor, company, tasks=3, units_per_task=10, title="帆布袋组装")
    draft = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.ASSEMBLY,
        title="串珠草稿",
        **factories.PROJECT_DEFAULTS[Kind.ASSEMBLY],
    )
    slot = factories.slot(supervisor, project)
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    submission = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)
    clients = {}
    for user in (supervisor, admin_user, finance):
        clients[user] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        clients[user].force_login(user)
    work, admin, money = clients[supervisor], clients[admin_user], clients[finance]
    responses = {
        url: work.get(url)
        for url in [
            "/work/",
            "/work/projects/new",
            f"/work/projects/{project.pk}/",
            f"/work/projects/{project.pk}/edit",
            f"/work/projects/{project.pk}/progress",
            f"/work/projects/{project.pk}/slots",
            f"/work/projects/{draft.pk}/",
            f"/work/projects/{draft.pk}/split",
            f"/work/review/{submission.pk}/",
            f"/work/review/?project={draft.pk}",  # nothing waits: the calm empty page
        ]
    }
    responses["split preview"] = work.post(
        f"/work/projects/{draft.pk}/split", {"total_units": "30", "units_per_task": "10"}
    )
    responses["bad split"] = work.post(
        f"/work/projects/{draft.pk}/split", {"total_units": "10", "units_per_task": "50"}
    )
    responses["company"] = admin.get("/work/company/")
    responses.update(
        {
            url: money.get(url)
            for url in ["/finance/", "/finance/batches/", "/finance/adjustments/", "/finance/reconciliation/"]
        }
    )
    responses["home"] = money.get("/", follow=True)

    for url, response in responses.items():
        assert response.status_code in (200, 400), url
        assert untranslated(response) == [], url
    # The script's words were there to be checked: a confirmation and the live line's three states.
    assert 'data-confirm="' in responses[f"/work/projects/{project.pk}/"].content.decode()
    assert 'data-state-offline="' in responses[f"/work/projects/{project.pk}/"].content.decode()
    assert 'data-confirm="' in responses["company"].content.decode()


@pytest.mark.django_db
def test_the_workspace_check_catches_english_in_what_the_script_shows(supervisor, company):
    project = factories.project(supervisor, company, title="帆布袋组装")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(supervisor)
    response = client.get(f"/work/projects/{project.pk}/")
    response.content = response.content.replace(b'data-state-live="', b'data-state-live="Live now ')
    translation.deactivate()

    assert untranslated(response) == ["Live", "now"]

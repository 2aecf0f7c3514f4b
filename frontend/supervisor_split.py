"""The split wizard: a form per kind of work → a preview of what would be made and what it costs
(tasks.services.split_preview, nothing written) → confirm (project_split, or split_request for a
large labelling file, which a background job splits while a page shows its progress).

A labelling file travels once: the preview keeps it under MEDIA_ROOT/split-previews and the
session remembers which file belongs to which project, so confirming does not upload it again.
"""

import contextlib
import csv
import hashlib
import io
import json
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files import File
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.json_input import InvalidJSON, json_loads
from frontend.forms import AssemblySplitForm, CopywritingSplitForm, LabellingSplitForm, nul_message
from frontend.supervisor import error_text, form_error, project_of, supervisor_required, workspace
from tasks import selectors, services, split_requests
from tasks.errors import SplitStateChanged
from tasks.models import Kind, ProjectStatus, SplitJob
from tasks.project_serializers import SplitJobOut

SESSION_KEY = "split_uploads"
KEPT_UPLOADS = 5  # per session: older kept files are deleted when a new one arrives
PREVIEW_SALT = "homeslot.split-preview"
PREVIEW_MAX_AGE = 24 * 3600  # seconds a preview can be confirmed for


def _form_class(project):
    return {Kind.ASSEMBLY: AssemblySplitForm, Kind.COPYWRITING: CopywritingSplitForm}.get(
        project.kind, LabellingSplitForm
    )


def _initial(project) -> dict:
    if project.kind == Kind.LABELLING:
        return {
            "label_set": "\n".join(project.label_set or []),
            "text_field": "text",
            "items_per_task": 20,
            "overlap": project.overlap,
            "gold_rate": project.gold_rate or 10,
        }
    return {}


def _page(request, project, form, *, status=200, columns=None, kept=None):
    closed = project.status == ProjectStatus.CLOSED
    return workspace(
        request,
        "frontend/supervisor/split.html",
        {"project": project, "form": form, "closed": closed, "columns": columns or [], "kept": kept},
        status=status,
    )


@supervisor_required
def split(request, pk):
    """Step 1 (GET) and step 2 (POST: the preview)."""
    project = project_of(request, pk)
    if request.method != "POST":
        return _page(request, project, _form_class(project)(initial=_initial(project)))
    if project.kind == Kind.LABELLING:
        return _labelling_preview(request, project)
    form = _form_class(project)(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, project, form, status=400)
    if project.kind == Kind.ASSEMBLY:
        order = {"total_units": form.cleaned_data["total_units"], "units_per_task": form.cleaned_data["units_per_task"]}
        carried, signed = {}, order
    else:
        terms = form.terms()  # the length and keywords ride in the signed token with the briefs' digest
        order = {"briefs": form.cleaned_data["brief_list"], **terms}
        carried, signed = {"briefs": "\n".join(order["briefs"])}, {"briefs": _digest(order["briefs"]), **terms}
    try:
        preview = services.split_preview(actor=request.user, project_id=project.pk, **order)
    except DomainError as error:
        form_error(form, error)
        return _page(request, project, form, status=400)
    if preview["tasks"] > settings.HOMESLOT_SPLIT_MAX_TASKS:
        # The preview counts up to a background job's limit; only a labelling file has one.
        form.add_error(None, _too_many(preview["tasks"]))
        return _page(request, project, form, status=400)
    return _preview_page(request, project, preview, carried, _preview_token(project, signed))


def _too_many(count: int) -> str:
    return _("This would create %(count)s tasks; at most %(max)s can be made at once.") % {
        "count": count,
        "max": settings.HOMESLOT_SPLIT_MAX_TASKS,
    }


def _preview_page(request, project, preview, carried, token, *, columns=None, background=False):
    return workspace(
        request,
        "frontend/supervisor/split_preview.html",
        {
            "project": project,
            "preview": preview,
            "carried": carried,
            "preview_token": token,
            "columns": columns or [],
            "background": background,
        },
    )


# --- the preview token: confirm what was previewed, once -----------------------------------------
# It is signed (so the order it carries is the one the preview checked) and it records the state
# of the project's tasks at the preview: a confirm finding that state changed — the same preview
# confirmed already (a double click, a second tab), or another split in between — makes nothing.


def _digest(briefs: list[str]) -> str:
    return hashlib.sha256(json.dumps(briefs, ensure_ascii=False).encode()).hexdigest()


def _preview_token(project, order: dict) -> str:
    state = selectors.split_state(project)
    return signing.dumps({"project": project.pk, "state": state, "order": order}, salt=PREVIEW_SALT)


def _previewed(request, project) -> dict | None:
    try:
        signed = signing.loads(request.POST.get("preview", ""), salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:  # a SignatureExpired too
        return None
    if not isinstance(signed, dict) or signed.get("project") != project.pk or not isinstance(signed.get("order"), dict):
        return None
    return signed


def _labelling_preview(request, project):
    form = LabellingSplitForm(request.POST, request.FILES)
    token = request.POST.get("token", "")
    kept = _kept(request, project, token) if token else None
    if kept is not None:
        form.fields["file"].required = False  # the file came with the first preview
    if not form.is_valid():
        return _page(request, project, form, status=400, kept=kept)
    if form.cleaned_data.get("file") is not None:  # a new file replaces the kept one
        kept = _keep(request, project, form.cleaned_data["file"])
    data = form.cleaned_data
    columns = _columns(kept["path"])
    labels = data["label_set"]
    if not 2 <= len(labels) <= 50 or len(set(labels)) != len(labels):
        form.add_error("label_set", _("The label set needs 2 to 50 different labels."))
        return _page(request, project, form, status=400, columns=columns, kept=kept)
    nul_line = _nul_line(kept)
    if nul_line is not None:
        form.add_error("file", nul_message(nul_line))
        return _page(request, project, form, status=400, columns=columns, kept=kept)
    try:
        with _opened(kept) as upload:
            preview = services.split_preview(
                actor=request.user,
                project_id=project.pk,
                file=upload,
                items_per_task=data["items_per_task"],
                text_field=data["text_field"],
                **form.quality_terms(),
            )
    except DomainError as error:
        form_error(form, error)
        return _page(request, project, form, status=400, columns=columns, kept=kept)
    carried = {
        "token": kept["token"],
        "filename": kept["name"],
        "text_field": data["text_field"],
        "items_per_task": data["items_per_task"],
        "label_set": "\n".join(labels),
        **form.quality_terms(),
    }
    # A large file, or more tasks than one request makes, is split by a background job.
    background = (
        kept["size"] > settings.HOMESLOT_SPLIT_SYNC_BYTES or preview["tasks"] > settings.HOMESLOT_SPLIT_MAX_TASKS
    )
    order = {
        "file": kept["token"],
        "text_field": data["text_field"],
        "items_per_task": data["items_per_task"],
        "label_set": labels,
        "background": background,
        **form.quality_terms(),
    }
    token = _preview_token(project, order)
    return _preview_page(request, project, preview, carried, token, columns=columns, background=background)


@supervisor_required
@require_POST
def split_confirm(request, pk):
    """Step 3: make the tasks the preview showed, all or nothing, and only once."""
    project = project_of(request, pk)
    previewed = _previewed(request, project)
    order = previewed["order"] if previewed else None
    if project.kind == Kind.COPYWRITING and order is not None:
        briefs = [line.strip() for line in request.POST.get("briefs", "").splitlines() if line.strip()]
        terms = {name: order.get(name) for name in ("min_chars", "max_chars", "keywords")}
        order = {"briefs": briefs, **terms} if _digest(briefs) == order.get("briefs") else None
    if order is None:
        messages.error(request, _("This preview is out of date. Please preview the split again."))
        return redirect("work-split", pk=project.pk)
    expected = previewed["state"]
    kept, job, made = None, None, []
    try:
        # The services lock the project and make nothing when its state is not the preview's: the
        # second confirm of a double click waits for the first and finds its tasks made.
        if project.kind == Kind.LABELLING:
            kept = _kept(request, project, order.get("file", ""))
            job, made = _labelling_confirm(request, project, kept, order, expected_state=expected)
        else:
            made = services.project_split(actor=request.user, project_id=project.pk, expected_state=expected, **order)
    except SplitStateChanged as changed:
        messages.warning(request, str(changed.message))
        return redirect("work-project", pk=project.pk)
    except _FileGone:
        messages.error(request, _("The uploaded file is no longer here; please upload it again."))
        return redirect("work-split", pk=project.pk)
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("work-split", pk=project.pk)
    if kept is not None:
        _forget(request, kept["token"])
    if job is not None:
        return redirect("work-split-job", pk=job.pk)
    messages.success(
        request,
        _("%(tasks)s tasks made (%(units)s %(unit)s).")
        % {"tasks": len(made), "units": sum(t.units for t in made), "unit": project.unit},
    )
    return redirect("work-project", pk=project.pk)


class _FileGone(Exception):
    """The kept file of a labelling preview is no longer here."""


def _labelling_confirm(request, project, kept, order, *, expected_state):
    """The label set and the tasks go together (the split services change both, all or nothing)."""
    with contextlib.ExitStack() as files:
        try:
            upload = files.enter_context(_opened(kept)) if kept is not None else None
        except FileNotFoundError:  # forgotten a moment ago by a confirm of this preview that finished
            upload = None
        if upload is None:
            # Nothing can be made without the file; a preview confirmed already took its file with it.
            if selectors.split_state(project) != expected_state:
                raise SplitStateChanged()
            raise _FileGone()
        split = {
            "items_per_task": order["items_per_task"],
            "text_field": order["text_field"],
            "label_set": order["label_set"],
            "expected_state": expected_state,
            **{name: order[name] for name in ("overlap", "gold_field", "gold_rate") if order.get(name) is not None},
        }
        if order["background"]:
            return split_requests.split_request(actor=request.user, project_id=project.pk, upload=upload, **split), []
        return None, services.project_split(actor=request.user, project_id=project.pk, file=upload, **split)


@supervisor_required
def split_job(request, pk):
    """A background split's progress; the page refreshes itself until the job is done or failed."""
    job = get_object_or_404(
        SplitJob.objects.filter(project__in=selectors.projects_for_supervisor(request.user)).select_related("project"),
        pk=pk,
    )
    return workspace(
        request,
        "frontend/supervisor/split_job.html",
        {"job": job, "data": SplitJobOut(job).data, "project": job.project},
    )


# --- the kept file ----------------------------------------------------------------------------


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "split-previews"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(request, project, upload) -> dict:
    token = secrets.token_urlsafe(16)
    suffix = Path(upload.name or "").suffix.lower()[:10]
    path = _folder() / f"{token}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    kept = {
        "token": token,
        "project": project.pk,
        "path": str(path),
        "name": (upload.name or "")[:200],
        "size": upload.size,
    }
    entries = [e for e in request.session.get(SESSION_KEY, []) if isinstance(e, dict)]
    entries.append(kept)
    for old in entries[:-KEPT_UPLOADS]:
        Path(old.get("path", "")).unlink(missing_ok=True)
    request.session[SESSION_KEY] = entries[-KEPT_UPLOADS:]
    return kept


def _kept(request, project, token: str) -> dict | None:
    for entry in request.session.get(SESSION_KEY, []):
        if isinstance(entry, dict) and entry.get("token") == token and entry.get("project") == project.pk:
            return entry if Path(entry["path"]).is_file() else None
    return None


def _forget(request, token: str) -> None:
    entries = request.session.get(SESSION_KEY, [])
    for entry in entries:
        if entry.get("token") == token:
            Path(entry["path"]).unlink(missing_ok=True)
    request.session[SESSION_KEY] = [e for e in entries if e.get("token") != token]


class _opened:
    """The kept file as an upload the services read (name, size, read, chunks)."""

    def __init__(self, kept: dict):
        self.kept = kept

    def __enter__(self):
        self.handle = open(self.kept["path"], "rb")
        return File(self.handle, name=self.kept["name"])

    def __exit__(self, *exc):
        self.handle.close()
        return False


_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # \u0000 in JSON, not an escaped backslash before u0000


def _nul_line(kept: dict) -> int | None:
    """The first line of the kept file holding a NUL character, raw or (in JSON) written \\u0000."""
    raw = Path(kept["path"]).read_bytes()
    found = [raw.find(b"\x00")]
    if not kept["name"].lower().endswith(".csv"):
        escaped = _JSON_NUL.search(raw)
        found.append(escaped.start() if escaped else -1)
    found = [at for at in found if at >= 0]
    return raw.count(b"\n", 0, min(found)) + 1 if found else None


def _columns(path: str) -> list[str]:
    """The columns a supervisor can choose as the text: the CSV header or the first JSON object's keys."""
    try:
        with open(path, "rb") as kept:
            head = kept.read(64 * 1024)
    except OSError:
        return []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = head.decode("utf-8", errors="ignore")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.lstrip().startswith("{"):
        try:
            record = json_loads(first)
        except InvalidJSON:
            return []
        return [str(k) for k in record][:50] if isinstance(record, dict) else []

    try:
        return [c for c in next(csv.reader(io.StringIO(first)), []) if c][:50]
    except csv.Error:
        return []

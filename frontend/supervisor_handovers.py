"""The counter of an assembly project (领料 / 交货 / 质检), for a tablet on the desk where mothers pick up
their materials and bring their pieces back: /work/projects/<id>/handovers/ lists the batches in
progress (found by task number or the last 4 digits of her phone); /work/tasks/<id>/handovers/ is one
batch: what was issued, returned and checked, and the one form that fits its state.

Thin: the rules are ``tasks.services.handovers``'s (the API's too). A form sent twice (a double tap, a
resend after a dropped connection) is noticed by the newest hand-over it was drawn after."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from accounts.phones import phone_masked
from accounts.selectors import display_name_of
from core.errors import DomainError
from core.ids import id_or_none
from frontend import mother_format as fmt
from frontend.supervisor import error_text, project_of, supervisor_required, workspace
from tasks import handovers, selectors, services
from tasks.models import LIVE_CLAIM_STATUSES, Claim, ClaimStatus, HandoverKind, Kind, Task

LISTED = 100
DEFECT_ROWS = 4
# Offered as she types (the reasons this project's checks used come first).
COMMON_DEFECTS = ("尺寸不对", "线头没剪", "脏污", "缺件", "损坏", "做法不对")


@supervisor_required
def project_counter(request, pk):
    project = project_of(request, pk)
    if project.kind != Kind.ASSEMBLY:
        raise Http404(_("Only assembly work is handed over at a counter."))
    claims = (
        Claim.objects.filter(project=project, status__in=LIVE_CLAIM_STATUSES)
        .select_related("task", "worker__worker_profile")
        .prefetch_related("handovers")
        .order_by("task__number")
    )
    query = request.GET.get("q", "").strip()
    if query:
        found = Q(worker__phone__endswith=query) if len(query) == 4 and query.isdigit() else Q(pk__in=[])
        if query.isdigit() and len(query) <= 9:
            found |= Q(task__number=int(query))
        claims = claims.filter(found)
    rows = [_batch_row(claim) for claim in claims[:LISTED]]
    context = {"project": project, "rows": rows, "query": query, "more": len(rows) == LISTED}
    return workspace(request, "frontend/supervisor/counter.html", context)


def _batch_row(claim) -> dict:
    materials = handovers.claim_materials(claim)
    if materials.waiting_check:
        state = _("waiting for the quality check")
    elif materials.holding:
        state = _("holds materials for %(n)s pieces") % {"n": materials.holding}
    else:
        state = _("materials not issued yet")
    return {
        "task": claim.task,
        "mother": display_name_of(claim.worker),
        "phone": phone_masked(claim.worker.phone),
        "materials": materials,
        "state": state,
        "due": fmt.moment_text(claim.expires_at),
    }


@supervisor_required
def task_counter(request, pk):
    task = get_object_or_404(
        Task.objects.filter(project__in=selectors.projects_for_supervisor(request.user)).select_related("project"),
        pk=pk,
    )
    if task.project.kind != Kind.ASSEMBLY:
        raise Http404(_("Only assembly work is handed over at a counter."))
    if request.method == "POST":
        return _record(request, task)
    return _page(request, task)


def _record(request, task):
    seen = id_or_none(request.POST.get("after")) or 0
    newest = handovers.for_task(task.pk).order_by("-pk").values_list("pk", flat=True).first() or 0
    if newest > seen:
        # Drawn before the newest hand-over: this form was sent already (or someone else recorded first).
        messages.info(request, _("This hand-over was already recorded; here is the batch as it is now."))
        return redirect("work-task-handovers", pk=task.pk)
    kind = request.POST.get("kind", "")
    try:
        services.handover_record(
            actor=request.user,
            task_id=task.pk,
            kind=kind,
            units=request.POST.get("units"),
            unused=request.POST.get("unused") or 0,
            parts=_lines(request.POST.get("parts", ""), "name"),
            defects=_defects(request.POST),
            point=request.POST.get("point", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        return _page(request, task, error=error_text(error), given=request.POST, status=400)
    messages.success(request, _("Recorded."))
    return redirect("work-task-handovers", pk=task.pk)


def _lines(text: str, label: str):
    """ "布料 50" per line → ``[{label: "布料", "count": "50"}]`` (the service checks the counts); a line
    without a count is a refusal of the service's, not a guess."""
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, _sep, count = line.rpartition(" ")
        entries.append({label: name.strip(), "count": count} if name else {label: line, "count": None})
    return entries


def _defects(post) -> list:
    entries = []
    for i in range(DEFECT_ROWS):
        reason, count = post.get(f"defect_reason_{i}", "").strip(), post.get(f"defect_count_{i}", "").strip()
        if reason or count:
            entries.append({"reason": reason, "count": count or None})
    return entries


def _page(request, task, *, error: str = "", given=None, status: int = 200):
    project = task.project
    rows = list(handovers.for_task(task.pk))
    claims = task.claims.select_related("worker__worker_profile")
    # Who holds the batch: its live claim, else the newest one materials were issued to (decided already).
    claim = claims.filter(status__in=LIVE_CLAIM_STATUSES).first() or (
        claims.filter(pk=rows[-1].claim_id).first() if rows else None
    )
    current = handovers.materials_of([row for row in rows if claim is not None and row.claim_id == claim.pk])
    used = [d["reason"] for row in rows for d in row.defects]
    context = {
        "project": project,
        "task": task,
        "claim": claim,
        "mother": display_name_of(claim.worker) if claim else "",
        "phone": phone_masked(claim.worker.phone) if claim else "",
        "due": fmt.moment_text(claim.expires_at) if claim else "",
        "materials": current,
        "can_issue": claim is not None and claim.status == ClaimStatus.ACTIVE and current.issued < task.units,
        "issue_room": task.units - current.issued,
        "can_return": claim is not None and current.holding > 0,
        "can_check": current.waiting_check,
        "last_return": next((row for row in reversed(rows) if row.kind == HandoverKind.RETURN), None),
        "rows": [
            {"row": row, "when": fmt.moment_text(row.recorded_at), "mother": display_name_of(row.worker)}
            for row in reversed(rows)
        ],
        "after": max((row.pk for row in rows), default=0),
        "defect_rows": range(DEFECT_ROWS),
        "defect_choices": list(dict.fromkeys([*used, *COMMON_DEFECTS])),
        "error": error,
        "given": given or {},
    }
    return workspace(request, "frontend/supervisor/handovers.html", context, status=status)

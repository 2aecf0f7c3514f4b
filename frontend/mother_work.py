"""The mothers' app, her work: 我的任务 (live claims with countdowns, review results, notices),
one claim's page, handing in each kind of work, giving a task back."""

import contextlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.ids import id_or_none
from fairwork import selectors as fairwork
from frontend import mother_format as fmt
from frontend.mother import mother_page, mother_render
from frontend.mother_appeals import appeal_view
from frontend.mother_forms import AssemblySubmitForm, CopywritingSubmitForm, LabellingSubmitForm, ReleaseForm
from ledger.money import fen_for_units, format_fen, format_rate
from notices.selectors import notices_for
from tasks import handovers, measures, selectors, services
from tasks import photos as photo_rules
from tasks.models import ClaimStatus, Kind, SubmissionStatus

RESULTS_SHOWN = 20
WAITING_SHOWN = 20

# --- her claims and results ------------------------------------------------------------


@mother_page
@require_GET
def claims(request):
    context = {
        **claims_context(request.user),
        "just_submitted": request.GET.get("submitted", ""),
        "nav": "claims",
        "page": "claims",
    }
    return mother_render(request, "frontend/mother/claims.html", context)


def claims_context(user) -> dict:
    now = timezone.now()
    mine = selectors.claims_for_worker(user)
    # Ran out: the task is back in the hall (time is data) — unless she holds its materials (tasks.handovers).
    active = list(mine.filter(Q(expires_at__gt=now) | handovers.HELD_CLAIM, status=ClaimStatus.ACTIVE))
    # What she handed in and waits for review: the newest few (a busy week may leave dozens).
    waiting = list(mine.filter(status=ClaimStatus.SUBMITTED).order_by("-pk")[: WAITING_SHOWN + 1])
    waiting_more = 0
    if len(waiting) > WAITING_SHOWN:
        waiting = waiting[:WAITING_SHOWN]
        waiting_more = mine.filter(status=ClaimStatus.SUBMITTED).count() - WAITING_SHOWN
    prefetch_related_objects(active + waiting, "submissions__review")  # both lists' in one read each
    quiet = fairwork.quiet_deadlines(user.pk, [held.expires_at for held in active])
    live = [_claim_view(held, now, quiet) for held in sorted(active + waiting, key=lambda c: (c.expires_at, c.pk))]
    results = [
        _result_view(submission, now)
        for submission in selectors.submissions_for_worker(user)
        .exclude(status=SubmissionStatus.PENDING)
        .select_related("appeal")
        .order_by("-review__decided_at", "-pk")[:RESULTS_SHOWN]
    ]
    notices = list(notices_for(user)[:5])
    return {"live": live, "waiting_more": waiting_more, "results": results, "notices": notices}


def _claim_view(held, now, quiet=frozenset()) -> dict:
    """One claim as her pages show it; ``quiet``: the deadlines that fall in her quiet hours."""
    submissions = sorted(held.submissions.all(), key=lambda s: s.pk)
    last = submissions[-1] if submissions else None
    review = getattr(last, "review", None) if last else None
    return {
        "claim": held,
        "slot_text": fmt.slot_text(held.slot.starts_at, held.slot.ends_at),
        "deadline_text": fmt.moment_text(held.expires_at),
        "left_text": fmt.time_left_text(held.expires_at, now),
        "quiet": held.expires_at in quiet,
        "waiting": held.status == ClaimStatus.SUBMITTED,
        "revise_note": review.reason if review and last.status == SubmissionStatus.REVISION_REQUESTED else "",
        "started": now >= held.slot.starts_at,
    }


def _result_view(submission, now) -> dict:
    review = getattr(submission, "review", None)
    appeal = getattr(submission, "appeal", None)
    # An appeal that changed the accepted units: its units count (and were credited).
    units = appeal.units_after if appeal and appeal.units_after is not None else review.accepted_units if review else 0
    return {
        "submission": submission,
        "status": submission.status,
        "status_text": submission.get_status_display(),
        "reason": review.reason if review else "",
        "accepted_units": units,
        "not_accepted": len(review.rejected_items) if review else 0,
        "automatic": bool(review and review.reviewer_id is None),
        "decided_text": fmt.moment_text(review.decided_at) if review else "",
        "earned": format_fen(fen_for_units(units=units, piece_rate=submission.project.piece_rate)) if units else "",
        "appeal": appeal_view(submission, review, now),
    }


@mother_page
@require_GET
def claim_detail(request, pk: int):
    held = get_object_or_404(
        selectors.claims_for_worker(request.user).prefetch_related("submissions__photos", "submissions__review"), pk=pk
    )
    return _claim_page(request, held)


def _claim_page(request, held, *, form=None, status: int = 200, error: str = ""):
    now = timezone.now()
    project, task = held.project, held.task
    holding = handovers.holds_materials(task) and held.status == ClaimStatus.ACTIVE
    live = held.status == ClaimStatus.ACTIVE and (held.expires_at > now or holding)
    items = list(task.items.all()) if project.kind == Kind.LABELLING else []
    last = max(held.submissions.all(), key=lambda sub: sub.pk, default=None)
    if form is None and live:
        form = _submit_form(held, items=items, previous=last)
    quiet = fairwork.quiet_deadlines(request.user.pk, [held.expires_at]) if live else frozenset()
    view = _claim_view(held, now, quiet) if held.status in (ClaimStatus.ACTIVE, ClaimStatus.SUBMITTED) else None
    if view is None:
        view = {"claim": held, "slot_text": fmt.slot_text(held.slot.starts_at, held.slot.ends_at)}
    context = {
        "held": held,
        "view": view,
        "project": project,
        "task": task,
        "live": live,
        "form": form,
        "error": error,
        "label_items": [{"item": item, "chosen": _chosen(form, item, last)} for item in items],
        "last": last,
        "last_labels": _label_counts(last) if last and project.kind == Kind.LABELLING else [],
        "not_accepted": _not_accepted(last, items),
        "label_set": project.label_set,
        "release_form": ReleaseForm(),
        "materials": _materials_view(held, now) if project.kind == Kind.ASSEMBLY else None,
        "emergencies_left": measures.family_emergencies_left(request.user.pk, now=now),
        "max_photos": photo_rules.MAX_PHOTOS,
        "rate": f"{format_rate(project.piece_rate)}/{project.unit}",
        "pay": format_fen(fen_for_units(units=task.units, piece_rate=project.piece_rate)),
        # What she had seen handed in when the form was drawn: a retry of a sent form is noticed.
        "handed_in_after": last.pk if last else 0,
        "here": reverse("m-claim", args=[held.pk]),
        "nav": "claims",
        "page": "claim",
    }
    return mother_render(request, "frontend/mother/claim.html", context, status=status)


def _materials_view(held, now) -> dict | None:
    """Her batch's materials (tasks.handovers): what she took, brought back, holds and owes, as a bar."""
    if held.materials_issued_at is None:  # nothing handed over: nothing to read
        return None
    rows = list(held.handovers.select_related("recorded_by").order_by("recorded_at", "pk"))
    materials = handovers.materials_of(rows)
    back = materials.returned + materials.unused + materials.missing
    return {
        "materials": materials,
        "back_percent": round(100 * back / materials.issued) if materials.issued else 0,
        "overdue": materials.holding > 0 and held.expires_at <= now,
        "due_text": fmt.moment_text(held.expires_at),
        "rows": [
            {
                "kind": row.get_kind_display(),
                "units": row.units,
                "unused": row.unused,
                "point": row.point,
                "when": fmt.moment_text(row.recorded_at),
                "by": row.recorded_by.display_name,
                "defects": row.defects,
            }
            for row in rows
        ],
    }


def _submit_form(held, *, items, data=None, files=None, previous=None):
    """The hand-in form; after "send back for changes" it starts from what she sent last time."""
    kind = held.project.kind
    if kind == Kind.COPYWRITING:
        return CopywritingSubmitForm(data, initial={"text": previous.text} if previous else None)
    if kind == Kind.ASSEMBLY:
        units = previous.submitted_units if previous else held.task.units
        return AssemblySubmitForm(
            data, files, units=held.task.units, unit=held.project.unit, initial={"completed_units": units}
        )
    return LabellingSubmitForm(data, items=items, label_set=held.project.label_set)


def _chosen(form, item, previous) -> str | None:
    if form is not None and form.is_bound:
        return form.data.get(f"label-{item.pk}")
    return previous.labels.get(str(item.pk)) if previous else None


def _not_accepted(submission, items) -> list[dict]:
    """The items a partial acceptance of her labelling named as not accepted, with her label."""
    review = getattr(submission, "review", None) if submission else None
    if review is None or not review.rejected_items:
        return []
    named = set(review.rejected_items)
    return [{"item": item, "label": submission.labels.get(str(item.pk), "")} for item in items if item.pk in named]


def _label_counts(submission) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for label in submission.labels.values():
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items(), key=lambda pair: -pair[1])


def _already_handed_in(request, held, *, after: int | None):
    """A second tap, or a retry after a dropped connection: the first one already went in (and
    may even have been reviewed, or sent back for changes, since). None: this is a new hand-in."""
    newest = max((sub.pk for sub in held.submissions.all()), default=0)
    if held.status == ClaimStatus.SUBMITTED:
        messages.info(request, _("This work is already handed in; it is waiting for review."))
    elif held.status == ClaimStatus.DONE:
        messages.info(request, _("This work is already handed in and reviewed; its result is under Review results."))
    elif after is not None and newest > after:
        messages.info(request, _("This work was already handed in. Here is how it stands."))
    else:
        return None
    return redirect("m-claims")


@mother_page
@require_POST
def submit(request, pk: int):
    """Straight to the service, which locks her claim and holds every rule of a hand-in (a form
    drawn before her newest hand-in included). Only a refusal reads the claim, to say why on its
    page: already handed in, or the form with her mistakes marked."""
    after = id_or_none(request.POST.get("handed_in_after"))
    try:
        services.claim_submit(worker=request.user, claim_id=pk, after_submission_id=after, **_handed_in(request))
    except DomainError as error:
        held = get_object_or_404(
            selectors.claims_for_worker(request.user).prefetch_related("submissions__photos", "submissions__review"),
            pk=pk,
        )
        already = _already_handed_in(request, held, after=after)
        if already is not None:  # a second tap, a retry, or two sends at once: the first one went in
            return already
        items = list(held.task.items.all()) if held.project.kind == Kind.LABELLING else []
        form = _submit_form(held, items=items, data=request.POST, files=request.FILES)
        if not form.is_valid():
            return _claim_page(request, held, form=form, status=400)
        return _claim_page(request, held, form=form, status=error.status, error=str(error.message))
    messages.success(request, _("Handed in, thank you! You will see the review result here."))
    return redirect(f"{reverse('m-claims')}?submitted={pk}")


def _handed_in(request) -> dict:
    """What her form sent, whichever kind of work it is: the service takes what the claim's kind
    needs and refuses what does not fit. The number is read as the form reads it ("8", " 8 ", "8.0")."""
    units = request.POST.get("completed_units")
    with contextlib.suppress(ValidationError):  # not a number: the service refuses it, the form says why
        units = AssemblySubmitForm.base_fields["completed_units"].to_python(units)
    labels = {key.removeprefix("label-"): value for key, value in request.POST.items() if key.startswith("label-")}
    return {
        "text": request.POST.get("text"),
        "completed_units": units,
        "labels": labels or None,
        "photos": [f for f in request.FILES.getlist("photos") if f.size or f.name],
    }


@mother_page
@require_POST
def release(request, pk: int):
    held = get_object_or_404(selectors.claims_for_worker(request.user), pk=pk)
    if held.status == ClaimStatus.RELEASED:  # a second tap: the first one already gave it back
        messages.info(request, _("This task is already given back."))
        return redirect("m-claims")
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0] if "reason" in form.errors else _("Please check the form."))
        return redirect("m-claim", pk=held.pk)
    try:
        services.claim_release(
            worker=request.user,
            claim_id=held.pk,
            reason=form.cleaned_data["reason"],
            family_emergency=form.cleaned_data["family_emergency"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("m-claim", pk=held.pk)
    messages.success(request, _("The task went back to the task hall. Take care!"))
    return redirect("m-claims")

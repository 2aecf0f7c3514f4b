"""The review queue: oldest first, one submission per screen, the brief beside the work; a decision
by button (plain forms) or key (supervisor.js: A accept, P partial, R reject, V revise), then the
next submission at once (POST → redirect to the queue → redirect to its oldest)."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import SUPERVISING_ROLES, company_ids_for, display_name_of
from core.errors import DomainError
from core.ids import id_or_none
from frontend.forms import ReviewForm
from frontend.supervisor import error_text, supervisor_required, workspace
from frontend.supervisor_text import instructions_html
from tasks import reasons, selectors, services
from tasks.errors import AlreadyReviewed
from tasks.gold import gold_of
from tasks.models import Decision, Kind, Review, Submission, SubmissionStatus
from tasks.writing import writing_of


def _project_filter(request) -> int | None:
    return id_or_none(request.GET.get("project") or request.POST.get("project"))


def _queue_url(project_id, **extra) -> str:
    query = {k: v for k, v in {"project": project_id, **extra}.items() if v}
    return reverse("work-review-queue") + (f"?{urlencode(query)}" if query else "")


@supervisor_required
def queue(request):
    """The oldest submission waiting (of one project with ?project=), or a calm empty page."""
    project_id = _project_filter(request)
    after = None
    after_id = id_or_none(request.GET.get("after"))
    if after_id is not None:
        after = selectors.review_queue_for(request.user).filter(pk=after_id).first()
    following = selectors.next_in_review_queue(request.user, project_id=project_id, after=after)
    if following is None and after is not None:
        following = selectors.next_in_review_queue(request.user, project_id=project_id)  # wrap round
    if following is not None:
        target = reverse("work-review", args=[following.pk])
        return redirect(target + (f"?project={project_id}" if project_id else ""))
    project = selectors.projects_for_supervisor(request.user).filter(pk=project_id).first() if project_id else None
    return workspace(request, "frontend/supervisor/review_empty.html", {"project": project})


@supervisor_required
def queue_count(request):
    """How many submissions wait (for the live counter in the navigation)."""
    waiting = selectors.review_queue_for(request.user)
    project_id = _project_filter(request)
    body = {"waiting": waiting.count()}
    if project_id:
        body["project_waiting"] = waiting.filter(project_id=project_id).count()
    return JsonResponse(body)


def _submission(request, pk) -> Submission:
    supervised = selectors.submissions_for_staff(request.user).filter(
        project__company_id__in=company_ids_for(request.user, SUPERVISING_ROLES)
    )
    return get_object_or_404(supervised.select_related("claim", "review", "worker__worker_profile"), pk=pk)


def _photos(submission) -> list:
    """Assembly photos, once the photo model exists (built beside this page)."""
    if not hasattr(Submission, "photos"):
        return []
    return list(submission.photos.all())


def _templates(company_id: int, kind: str) -> list[dict]:
    """The ready reasons of the company for the work's kind (its own, else the built-in ones that fit)."""
    return [
        {"decision": decision, "key": key, "number": number, "text": text}
        for decision, texts in reasons.ready_reasons(company_id, kind).items()
        for number, (key, text) in enumerate(texts, start=1)
    ]


def _render(request, submission, form=None, status=200):
    project, task = submission.project, submission.task
    templates = _templates(project.company_id, project.kind)
    items = []
    if project.kind == Kind.LABELLING:
        labels = submission.labels or {}
        checked = None
        if form is not None and form.is_bound:
            checked = set(request.POST.getlist("item"))
        review = getattr(submission, "review", None)
        if checked is None and review is not None and review.rejected_items:
            # Decided with named items: the grid shows them as they were left, unticked.
            named = set(review.rejected_items)
            checked = {str(item) for item in task.items.values_list("pk", flat=True) if item not in named}
        items = [
            {
                "id": item.pk,
                "text": item.text,
                "label": labels.get(str(item.pk), "—"),
                "expected": item.expected_label,
                "accepted": checked is None or str(item.pk) in checked,
            }
            for item in task.items.order_by("position")
        ]
    project_id = _project_filter(request)
    queue = selectors.review_queue_for(request.user)
    if project_id:
        queue = queue.filter(project_id=project_id)
    # One read: how many wait, and how many of them are flagged by their gold items (shown first).
    counts = queue.aggregate(waiting=Count("pk"), flagged=Count("pk", filter=Q(gold_flagged=True)))
    waited = timezone.now() - submission.submitted_at
    own = submission.worker_id == request.user.pk
    context = {
        "submission": submission,
        "project": project,
        "task": task,
        "mother": display_name_of(submission.worker),
        "instructions": instructions_html(project.instructions),
        "brief": instructions_html(task.brief),
        "items": items,
        "writing": writing_of(submission) if project.kind == Kind.COPYWRITING else None,
        "gold": gold_of(submission) if project.kind == Kind.LABELLING else None,
        "ticked": sum(1 for item in items if item["accepted"]),
        "photos": _photos(submission),
        "templates": templates,
        "reason_groups": [
            {
                "decision": decision,
                "label": label,
                "templates": [t for t in templates if t["decision"] == decision],
            }
            for decision, label in (
                (Decision.PARTIAL, _("Partly accept")),
                (Decision.REJECT, _("Reject")),
                (Decision.REVISE, _("Send back for changes")),
            )
        ],
        "form": form or ReviewForm(initial={"accepted_units": submission.submitted_units}),
        # Her own work is shown, never offered for her decision (the service refuses it too).
        "own": own and submission.status == SubmissionStatus.PENDING,
        "pending": submission.status == SubmissionStatus.PENDING and not own,
        "window_passed": submission.review_due_at <= timezone.now(),
        "waited_hours": int(waited.total_seconds() // 3600),
        "waited_minutes": int(waited.total_seconds() // 60 % 60),
        "project_filter": project_id,
        "in_queue": counts["waiting"],
        "flagged_in_queue": counts["flagged"],
        "skip_url": _queue_url(project_id, after=submission.pk),
        "decisions": [
            {"value": Decision.ACCEPT, "label": _("Accept"), "key": "A"},
            {"value": Decision.PARTIAL, "label": _("Partly accept"), "key": "P"},
            {"value": Decision.REJECT, "label": _("Reject"), "key": "R"},
            {"value": Decision.REVISE, "label": _("Send back for changes"), "key": "V"},
        ],
    }
    return workspace(request, "frontend/supervisor/review.html", context, status=status)


@supervisor_required
def review(request, pk):
    return _render(request, _submission(request, pk))


@supervisor_required
@require_POST
def decide(request, pk):
    """Her decision. The service finds the submission within the companies she supervises, so the
    page reads it only to answer something other than done (a refusal shown on it, or a 404)."""
    form = ReviewForm(request.POST)
    if not form.is_valid():
        submission = _submission(request, pk)
        messages.error(request, _("Choose accept, partly accept, reject or send back for changes."))
        return _render(request, submission, form, status=400)
    data = form.cleaned_data
    decision = data["decision"]
    reason = (data.get("reason") or "").strip()
    if not reason and data.get("reason_template"):  # (the page without JavaScript: a ready reason chosen)
        reason = reasons.reason_text(_submission(request, pk).project.company_id, data["reason_template"])
    accepted_units = data.get("accepted_units")
    named = {}
    if decision == Decision.PARTIAL:
        submission = _submission(request, pk)
        if submission.project.kind == Kind.LABELLING:
            # The grid's ticks are the decision: every item left ticked passes, the others go back.
            ticked = set(request.POST.getlist("item"))
            items = submission.task.items.values_list("pk", flat=True)
            named = {"rejected_items": [item for item in items if str(item) not in ticked]}
            accepted_units = None
    try:
        services.submission_review(
            actor=request.user,
            submission_id=pk,
            decision=decision,
            accepted_units=accepted_units,
            reason=reason,
            **named,
        )
    except AlreadyReviewed as error:
        submission = _submission(request, pk)  # as it is now, decided
        if _same_decision(submission, request.user, decision):
            # The same decision sent twice (a double click, a resent form): done once, move on.
            return _decided(request, decision)
        messages.error(request, error_text(error))
        return _render(request, submission, form, status=409)
    except DomainError as error:
        submission = _submission(request, pk)  # one she does not supervise is a 404, as before deciding
        messages.error(request, error_text(error))
        return _render(request, submission, form, status=409 if error.status == 409 else 400)
    return _decided(request, decision)


def _same_decision(submission, user, decision) -> bool:
    review = Review.objects.filter(submission=submission).first()
    return review is not None and review.reviewer_id == user.pk and review.decision == decision


def _decided(request, decision):
    done = {
        Decision.ACCEPT: _("Accepted."),
        Decision.PARTIAL: _("Partly accepted."),
        Decision.REJECT: _("Rejected."),
        Decision.REVISE: _("Sent back for changes."),
    }[decision]
    messages.success(request, done)
    return redirect(_queue_url(_project_filter(request)))

"""The mothers' app, 互审 (peer review): her queue in the skills open to her level, and a decision on
each hand-in (pseudonymous: no name, no phone). Shown and linked only when she is a peer reviewer; the
decision is the service's (``tasks.services.peer_review_decide``), which pays her once per review."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from frontend.mother import mother_page, mother_render
from frontend.mother_format import moment_text
from ledger.money import format_rate
from tasks import peer_queue, services
from tasks.errors import AlreadyReviewed
from tasks.models import Decision, Review

QUEUE_SHOWN = 30


@mother_page
@require_http_methods(["GET"])
def peer_reviews(request):
    skills = list(peer_queue.peer_skills_of(request.user))
    standing = peer_queue.standing_of(request.user)
    queue = []
    if skills and not standing.suspended:
        queue = list(peer_queue.peer_queue_for(request.user).prefetch_related("task__items")[:QUEUE_SHOWN])
    rates = {skill.pk: format_rate(skill.peer_review_rate) for skill in skills}
    return mother_render(
        request,
        "frontend/mother/peer_reviews.html",
        {
            "nav": "me",
            "page": "peer-reviews",
            "skills": [{"skill": skill, "rate": rates[skill.pk]} for skill in skills],
            "standing": standing,
            "queue": [
                {"submission": s, "rate": rates.get(s.project.skill_id, ""), "due": moment_text(s.review_due_at)}
                for s in queue
            ],
            "decisions": Decision.choices,
        },
        status=200 if skills else 403,
    )


@mother_page
@require_POST
def peer_decide(request, pk):
    units = request.POST.get("accepted_units", "").strip()
    try:
        services.peer_review_decide(
            actor=request.user,
            submission_id=pk,
            decision=request.POST.get("decision", ""),
            accepted_units=units or None,
            reason=request.POST.get("reason", ""),
        )
    except AlreadyReviewed:
        # A resend of her own decision (the network dropped after it was saved) is no error.
        if Review.objects.filter(submission_id=pk, reviewer=request.user).exists():
            messages.success(request, _("Your review is saved. Thank you!"))
        else:
            messages.error(request, _("Someone reviewed this hand-in already."))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your review is saved. Thank you!"))
    return redirect("m-peer-reviews")

"""Appeals in the supervisors' workspace: the list (the ones asked of me first, the open ones by
default), each with her reason, the first decision and a form to decide it (uphold, overturn, adjust
with the units that pass, and a reason she will read)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import SUPERVISING_ROLES, company_ids_for, display_name_of
from core.errors import DomainError
from core.ids import id_or_none
from frontend.supervisor import error_text, supervisor_required, workspace
from tasks import selectors, services
from tasks.errors import AppealDecided
from tasks.models import MAX_APPEAL_REASON, AppealStatus

APPEALS_SHOWN = 50


def _supervised(user):
    return selectors.appeals_for(user).filter(company_id__in=company_ids_for(user, SUPERVISING_ROLES))


@supervisor_required
@require_GET
def appeals(request):
    wanted = request.GET.get("status", AppealStatus.OPEN)
    listed = _supervised(request.user)
    if wanted in AppealStatus.values:
        listed = listed.filter(status=wanted)
    rows = [
        {
            "appeal": appeal,
            "mine": appeal.assigned_to_id == request.user.pk,
            "first_reviewer": appeal.review.reviewer_id == request.user.pk and appeal.assigned_to_id != request.user.pk,
            "assigned_name": display_name_of(appeal.assigned_to) if appeal.assigned_to_id else "",
            "worker_name": display_name_of(appeal.worker),
        }
        for appeal in listed[:APPEALS_SHOWN]
    ]
    context = {
        "rows": rows,
        "figures": selectors.appeal_figures(company_ids_for(request.user, SUPERVISING_ROLES)),
        "status": wanted if wanted in AppealStatus.values else "",
        "statuses": AppealStatus.choices,
        "max_reason": MAX_APPEAL_REASON,
        "decisions": [
            ("uphold", _("Keep the decision")),
            ("overturn", _("Accept all")),
            ("adjust", _("Accept more units")),
        ],
    }
    return workspace(request, "frontend/supervisor/appeals.html", context)


@supervisor_required
@require_POST
def decide(request, pk):
    """Straight to the service (it finds the appeal within her companies, else a 404, and holds every
    rule); a refusal is said on the list."""
    back = reverse("work-appeals")
    units = request.POST.get("accepted_units", "").strip()
    try:
        services.appeal_decide(
            actor=request.user,
            appeal_id=pk,
            decision=request.POST.get("decision", ""),
            accepted_units=id_or_none(units),
            reason=request.POST.get("reason", ""),
        )
    except AppealDecided as error:
        appeal = get_object_or_404(_supervised(request.user), pk=pk)
        if appeal.decided_by_id == request.user.pk:  # a second click: done once
            messages.success(request, _("The appeal is decided; she has been told."))
        else:
            messages.error(request, error_text(error))
        return redirect(back)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error_text(error))
        return redirect(back)
    messages.success(request, _("The appeal is decided; she has been told."))
    return redirect(back)

"""A company's ready reasons under /work/reasons/: for each kind of work, the reasons its supervisors
pick with one tap on the review page, in the company's own words (one per line), or the built-in ones.
Thin: the rules are in tasks.services.ready_reasons_set."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Company
from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from core.errors import DomainError
from frontend.supervisor import error_text, supervisor_required, workspace
from tasks import reasons, services
from tasks.models import Kind

DECISION_LABELS = {
    "partial": gettext_lazy("Partly accept"),
    "reject": gettext_lazy("Reject"),
    "revise": gettext_lazy("Send back for changes"),
}


def _companies(request) -> list[Company]:
    return list(Company.objects.filter(pk__in=company_ids_for(request.user, SUPERVISING_ROLES)).order_by("name"))


def _chosen(request, companies, source) -> tuple[Company, str]:
    company = next((c for c in companies if str(c.pk) == source.get("company")), companies[0])
    kind = source.get("kind") if source.get("kind") in Kind.values else Kind.COPYWRITING
    return company, kind


@supervisor_required
def ready_reasons(request):
    companies = _companies(request)
    if not companies:
        raise Http404
    company, kind = _chosen(request, companies, request.GET)
    current = reasons.ready_reasons(company.pk, kind)
    context = {
        "companies": companies,
        "company": company,
        "kind": kind,
        "kinds": Kind.choices,
        "customised": reasons.is_customised(company.pk, kind),
        "groups": [
            {"decision": d, "label": DECISION_LABELS[d], "text": "\n".join(text for _key, text in current[d])}
            for d in reasons.DECISIONS
        ],
        "most": services.reasons.MAX_REASONS,
    }
    return workspace(request, "frontend/supervisor/reasons.html", context)


@supervisor_required
@require_POST
def ready_reasons_save(request):
    companies = _companies(request)
    if not companies:
        raise Http404
    company, kind = _chosen(request, companies, request.POST)
    if "reset" in request.POST:
        given = {}
    else:
        given = {d: request.POST.get(d, "").replace("\r", "").split("\n") for d in reasons.DECISIONS}
    try:
        services.ready_reasons_set(actor=request.user, company_id=company.pk, kind=kind, reasons=given)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Saved: the review page offers these reasons now.") if given else _("The built-in reasons are back."),
        )
    return redirect(f"{reverse('work-reasons')}?company={company.pk}&kind={kind}")

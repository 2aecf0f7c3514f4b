"""The company admin's webhook pages under /work/webhooks/: register an endpoint (its secret shown this
once), turn it off and on, rotate its secret, remove it; and each endpoint's delivery log with a
replay button. Thin: the rules are in integrations.services. They live here, not in ``frontend``,
because ``frontend`` and ``integrations`` stand side by side and neither imports the other."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Company
from core.errors import DomainError
from core.ids import id_or_none
from integrations import selectors, services
from integrations.models import WebhookEventType

LOG_ROWS = 100


def _admin_companies(request) -> list[Company]:
    companies = list(Company.objects.filter(pk__in=selectors.admin_company_ids(request.user)).order_by("name"))
    if not companies:
        raise Http404
    return companies


def _page(request, context: dict, status: int = 200):
    companies = _admin_companies(request)
    chosen = id_or_none(request.POST.get("company") or request.GET.get("company"))
    company = next((c for c in companies if c.pk == chosen), companies[0])
    context = {
        "companies": companies,
        "company": company,
        "endpoints": selectors.endpoints_for(request.user).filter(company=company).order_by("pk"),
        "event_types": WebhookEventType.choices,
        **context,
    }
    return render(request, "integrations/webhooks.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request):
    if request.method == "GET":
        return _page(request, {})
    companies = _admin_companies(request)
    chosen = id_or_none(request.POST.get("company"))
    company = next((c for c in companies if c.pk == chosen), None if request.POST.get("company") else companies[0])
    if company is None:
        raise Http404  # not a company she is an admin of
    given = {"url": request.POST.get("url", ""), "types": request.POST.getlist("event_types")}
    try:
        endpoint, secret = services.webhook_endpoint_create(
            actor=request.user,
            company_id=company.pk,
            url=given["url"],
            event_types=given["types"],
            description=request.POST.get("description", ""),
        )
    except DomainError as refused:
        return _page(request, {"error": refused.message, "given": given}, status=400)
    # Rendered, not redirected: the secret is shown on this answer only and kept nowhere in the clear.
    return _page(request, {"secret": secret, "secret_for": endpoint})


@login_required
@require_POST
def webhook_action(request, pk: int, action: str):
    endpoint = get_object_or_404(selectors.endpoints_for(request.user), pk=pk)
    try:
        if action == "rotate":
            endpoint, secret = services.webhook_secret_rotate(actor=request.user, endpoint_id=endpoint.pk)
            return _page(request, {"secret": secret, "secret_for": endpoint, "rotated": True})
        if action in ("enable", "disable"):
            services.webhook_endpoint_update(actor=request.user, endpoint_id=endpoint.pk, enabled=action == "enable")
            messages.success(request, _("Turned on.") if action == "enable" else _("Turned off."))
        elif action == "delete":
            services.webhook_endpoint_delete(actor=request.user, endpoint_id=endpoint.pk)
            messages.success(request, _("Removed."))
        else:
            raise Http404
    except DomainError as refused:
        messages.error(request, refused.message)
    return redirect(f"{reverse('work-webhooks')}?company={endpoint.company_id}")


@login_required
def webhook_log(request, pk: int):
    endpoint = get_object_or_404(selectors.endpoints_for(request.user), pk=pk)
    deliveries = selectors.deliveries_for(request.user, endpoint_id=endpoint.pk)[:LOG_ROWS]
    context = {"endpoint": endpoint, "deliveries": deliveries, "shown": LOG_ROWS}
    return render(request, "integrations/webhook_log.html", context)


@login_required
@require_POST
def webhook_replay(request, pk: int, delivery_id: int):
    endpoint = get_object_or_404(selectors.endpoints_for(request.user), pk=pk)
    try:
        services.webhook_delivery_replay(actor=request.user, endpoint_id=endpoint.pk, delivery_id=delivery_id)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Queued: it is sent again within a minute, with the same webhook-id."))
    return redirect("work-webhook-log", pk=endpoint.pk)

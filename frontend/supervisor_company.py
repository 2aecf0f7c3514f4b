"""The company's staff under /work/company/: an admin invites people and removes them.
Thin, like frontend/supervisor.py."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import companies as account_companies
from accounts import services as account_services
from accounts.models import Company, Invitation, Membership, Role
from accounts.phones import phone_masked
from accounts.selectors import company_ids_for, display_name_of
from core.errors import DomainError, NotFound
from frontend.forms import InviteForm
from frontend.supervisor import error_text, form_error, supervisor_required, workspace


def _admin_companies(request) -> list[Company]:
    ids = company_ids_for(request.user, (Role.ADMIN,))
    return list(Company.objects.filter(pk__in=ids).order_by("name"))


@supervisor_required
def company(request):
    companies = _admin_companies(request)
    if not companies:
        message = _("Only a company admin can manage its staff.")
        return render(request, "frontend/error.html", {"message": message}, status=403)
    chosen = next((c for c in companies if str(c.pk) == request.GET.get("company")), companies[0])
    return _company_page(request, chosen, companies, InviteForm(initial={"role": Role.SUPERVISOR}))


def _company_page(request, chosen, companies, form, status=200):
    members = Membership.objects.filter(company=chosen).select_related("user", "user__worker_profile")
    rows = [
        {
            "user": m.user_id,
            "name": display_name_of(m.user) or "—",
            "phone": phone_masked(m.user.phone),
            "role": m.get_role_display(),
            "me": m.user_id == request.user.pk,
        }
        for m in members.order_by("role", "user_id")
    ]
    invitations = [
        {"phone": phone_masked(i.phone), "role": i.get_role_display(), "expires_at": i.expires_at}
        for i in Invitation.objects.filter(company=chosen, accepted_at__isnull=True, expires_at__gt=timezone.now())
    ]
    context = {"company": chosen, "companies": companies, "rows": rows, "invitations": invitations, "form": form}
    return workspace(request, "frontend/supervisor/company.html", context, status=status)


@supervisor_required
@require_POST
def company_invite(request, company_pk):
    companies = _admin_companies(request)
    chosen = next((c for c in companies if c.pk == company_pk), None)
    if chosen is None:
        raise Http404
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            kind, _made = account_services.member_invite(
                actor=request.user,
                company_id=chosen.pk,
                phone=form.cleaned_data["phone"],
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            if kind == "member":
                messages.success(request, _("Added to the staff."))
            else:
                messages.success(request, _("Invitation sent by SMS: they join with the code in it."))
            return redirect(f"{_company_url()}?company={chosen.pk}")
    return _company_page(request, chosen, companies, form, status=400)


def _company_url() -> str:
    return reverse("work-company")


@supervisor_required
@require_POST
def company_remove(request, company_pk, user_id):
    chosen = next((c for c in _admin_companies(request) if c.pk == company_pk), None)
    if chosen is None:  # (the <id:…> route already refuses ids no database holds)
        raise Http404
    try:
        account_services.member_remove(actor=request.user, company_id=chosen.pk, user_id=user_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Removed from the staff."))
    return redirect(f"{_company_url()}?company={company_pk}")


@supervisor_required
@require_POST
def company_settlement(request, company_pk):
    """Its settlement schedule: pay within N days after each half-month (the mothers see the date)."""
    chosen = next((c for c in _admin_companies(request) if c.pk == company_pk), None)
    if chosen is None:
        raise Http404
    raw = request.POST.get("settlement_days", "").strip()
    try:
        days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else raw
        account_companies.company_settlement_set(actor=request.user, company_id=chosen.pk, days=days)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Saved: each half-month is paid within %(n)s days.") % {"n": days})
    return redirect(f"{_company_url()}?company={chosen.pk}")

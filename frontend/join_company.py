"""A company joins (``/signup/company/``): first her account (a number, its code, her name, her
agreement), then the company (name, 统一社会信用代码, region, contact). It waits for an operator's
approval in the admin; meanwhile the workspace (/work/) says so (frontend/supervisor.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.companies import company_register
from accounts.models import CodePurpose
from accounts.selectors import companies_of
from accounts.sign_up import account_sign_up
from core.errors import DomainError
from fairwork.selectors import known_regions
from frontend.join import SEND_CODE, attempts_refused, code_send, form_kept, join_render, refusal_attach
from frontend.join_forms import AccountForm, CompanyForm

TEMPLATE = "frontend/join/company.html"


@require_http_methods(["GET", "POST"])
def company_sign_up(request):
    """Anonymous: the account step. Signed in without a company: the company step. Staff of a
    company: where it stands (waiting for approval, approved, or refused with the reason)."""
    if not request.user.is_authenticated:
        return _account_step(request)
    companies = list(companies_of(request.user))
    if companies and request.method == "GET":
        return join_render(request, "frontend/join/company_waiting.html", {"companies": companies})
    return _company_step(request)


def _account_step(request):
    form = AccountForm(request.POST if request.method == "POST" else None)
    context = {"step": "account"}
    if request.method == "POST" and request.POST.get("action") == SEND_CODE:
        code = code_send(request, purpose=CodePurpose.SIGN_UP)
        return join_render(
            request,
            TEMPLATE,
            {**context, "form": form_kept(AccountForm, request), "code": code},
            code.get("status", 200),
        )
    if request.method == "POST":
        refused = attempts_refused(request)
        if refused is not None:
            return join_render(
                request, TEMPLATE, {**context, "form": form_kept(AccountForm, request), **refused}, refused["status"]
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                _token, _key, user = account_sign_up(
                    request=request,
                    phone=data["phone"],
                    code=data["code"],
                    display_name=data["display_name"],
                    password=data["password"] or None,
                    consent=form.consent(),
                    issue_token=False,
                )
            except DomainError as error:
                refusal_attach(form, error)
            else:
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                return redirect("sign-up-company")
        return join_render(request, TEMPLATE, {**context, "form": form}, status=400)
    return join_render(request, TEMPLATE, {**context, "form": form})


def _company_step(request):
    form = CompanyForm(request.POST if request.method == "POST" else None)
    context = {"step": "company", "regions": known_regions()}
    if request.method == "POST" and form.is_valid():
        try:
            company_register(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            refusal_attach(form, error)
        else:
            messages.success(request, _("Thank you! Your company is registered and waits for our approval."))
            return redirect("sign-up-company")
    status = 400 if request.method == "POST" else 200
    return join_render(request, TEMPLATE, {**context, "form": form}, status=status)

"""Joining and signing in, as pages: sign in (a code or a password), a mother's sign-up, a company's
sign-up, a forgotten password, and the terms and privacy notice they link to.

The forms post to the page (session cookie + CSRF), not to the JSON API, and call the services the
API calls (accounts.codes, accounts.services, accounts.sign_up, workers.sign_up, accounts.companies)
on the same limits (accounts.throttles). The API hands out a token; a page signs her in with a
session instead (``django.contrib.auth.login``), so the services are asked for no token.

The "获取验证码" button is a submit button: without JavaScript it sends the code and draws the page
again with what she typed; static/frontend/join.js only counts the 60 seconds down on it.
"""

import datetime
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import Throttled

from accounts import codes, legal
from accounts.errors import (
    CodeInvalid,
    CodeTriesExceeded,
    ConsentRequired,
    InvalidCreditCode,
    InvalidPhone,
    SignInFailed,
    SignInUnavailable,
    WeakPassword,
)
from accounts.models import CodePurpose
from accounts.phones import phone_masked, phone_normalize
from accounts.services import password_reset, sign_in_by_code, sign_in_check
from accounts.throttles import sign_in_limits_check, sms_code_limits_check
from core.errors import DomainError
from fairwork.selectors import known_regions
from frontend.join_forms import MotherSignUpForm, PasswordResetForm, SignInForm
from frontend.views import landing_for
from workers.errors import CaregiverDeclarationRequired
from workers.sign_up import mother_sign_up

SEND_CODE = "send_code"
# The field of the page a refusal belongs beside (the rest: by the service's ``details.field``).
FIELD_OF = {
    CodeInvalid: "code",
    CodeTriesExceeded: "code",
    WeakPassword: "password",
    InvalidPhone: "phone",
    ConsentRequired: "agree",
    CaregiverDeclarationRequired: "cares",
    InvalidCreditCode: "credit_code",
}


# --- what every page of joining shares ------------------------------------------------------


def join_render(request, template: str, context: dict, status: int = 200):
    here = request.get_full_path() if request.method == "GET" else request.path
    context = {"here": here, "versions": legal.current_versions(), "code": {}, **context}
    code = context["code"]
    code.setdefault("wait_text", _("Resend in %(seconds)s s") % {"seconds": "#"})
    response = render(request, template, context, status=status)
    if code.get("retry_after"):
        response["Retry-After"] = str(code["retry_after"])
    elif context.get("retry_after"):
        response["Retry-After"] = str(context["retry_after"])
    return response


def code_send(request, *, purpose: str) -> dict:
    """The "获取验证码" button: check the number, count it on the SMS limits, ask for the code. What
    the code widget shows: ``sent_to`` and ``wait`` (seconds until another may be asked for), or
    ``phone_error`` / ``error``. The answer is the same whether or not the number has an account."""
    try:
        phone = phone_normalize(request.POST.get("phone", ""))
    except InvalidPhone:
        return {"phone_error": _("Please enter an 11-digit mainland mobile number."), "status": 400}
    try:
        sms_code_limits_check(request)
    except Throttled as limited:
        wait = max(1, math.ceil(limited.wait or 60))
        message = _("A code was sent a moment ago. You can ask for another in %(seconds)s seconds.")
        return {"error": message % {"seconds": wait}, "wait": wait, "retry_after": wait, "status": 429}
    except SignInUnavailable as unavailable:
        wait = unavailable.retry_after
        return {"error": str(unavailable.message), "wait": wait, "retry_after": wait, "status": 503}
    answer = codes.sms_code_request(phone=phone, purpose=purpose)
    return {"sent_to": phone_masked(phone), "wait": answer["resend_after"], "minutes": answer["expires_in"] // 60}


def attempts_refused(request) -> dict | None:
    """The sign-in limits (per number, per address) the API puts on every sign-in, sign-up and reset:
    what the page says when one is reached, or None when she may try."""
    try:
        sign_in_limits_check(request)
    except Throttled as limited:
        wait = max(1, math.ceil(limited.wait or 60))
        message = _("Too many attempts. Please wait %(seconds)s seconds and try again.") % {"seconds": wait}
        return {"error": message, "retry_after": wait, "status": 429}
    except SignInUnavailable as unavailable:
        return {"error": str(unavailable.message), "retry_after": unavailable.retry_after, "status": 503}
    return None


def form_kept(form_class, request, **kwargs):
    """The form as she sent it, drawn again without its errors (after "获取验证码"); the agreement stays
    ticked only if the texts she agreed to are still the current ones."""
    initial = {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "action")}
    if not _versions_current(request.POST):
        initial.pop("agree", None)
    return form_class(initial=initial, **kwargs)


def _versions_current(data) -> bool:
    current = legal.current_versions()
    return data.get("terms_version") == current["terms"] and data.get("privacy_version") == current["privacy"]


def refusal_attach(form, error: DomainError, *, renames: dict | None = None) -> None:
    """A service's refusal beside the field it is about, in her words."""
    details = error.details if isinstance(error.details, dict) else {}
    field = FIELD_OF.get(type(error)) or details.get("field")
    field = (renames or {}).get(field, field)
    message = str(error.message)
    if isinstance(error, ConsentRequired):
        if form.data.get("agree") and not _versions_current(form.data):
            message = _(
                "The terms or the privacy notice changed a moment ago. Please read the new version and tick again."
            )
        form.data = form.data.copy()
        form.data["agree"] = ""  # drawn unticked, beside the versions that are current now
    form.add_error(field if field in form.fields else None, message)


def _signed_in(request, user, target: str = "/"):
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return redirect(target)


# --- signing in --------------------------------------------------------------------------------


def _next(request) -> str:
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


def _sign_in_mode(request) -> str:
    """By a code (the default: a number is all she needs) or by her password. A form posted without
    saying which, with a password in it, is a password sign-in (as the page used to be)."""
    given = request.POST.get("mode") or request.GET.get("mode")
    if given in ("code", "password"):
        return given
    return "password" if request.method == "POST" and "password" in request.POST else "code"


@require_http_methods(["GET", "POST"])
def sign_in(request):
    mode = _sign_in_mode(request)
    form = SignInForm(request.POST if request.method == "POST" else None, mode=mode)
    context = {"mode": mode, "next": request.GET.get("next", "")}
    status = 200
    if request.method == "POST" and request.POST.get("action") == SEND_CODE:
        code = code_send(request, purpose=CodePurpose.SIGN_IN)
        form = form_kept(SignInForm, request, mode=mode)
        return _sign_in_page(request, {**context, "form": form, "code": code}, code.get("status", 200))
    if request.method == "POST":
        refused = attempts_refused(request)
        if refused is not None:
            form = SignInForm(initial={"phone": request.POST.get("phone", "")}, mode=mode)
            return _sign_in_page(request, {**context, "form": form, **refused}, refused["status"])
        if form.is_valid():
            data = form.cleaned_data
            try:
                if mode == "code":
                    user = sign_in_by_code(phone=data["phone"], code=data["code"])
                else:
                    user = sign_in_check(request=request, phone=data["phone"], password=data["password"])
            except SignInFailed:
                form.add_error(None, _("The phone number or the password is not right."))
            except DomainError as error:
                refusal_attach(form, error)
            else:
                return _signed_in(request, user, _next(request))
    return _sign_in_page(request, {**context, "form": form}, status)


def _sign_in_page(request, context: dict, status: int = 200):
    """The sign-in page; its two tabs are links (no script needed), keeping where she was going."""
    keep = {"next": context["next"]} if context.get("next") else {}
    context["code_url"] = f"{request.path}?{urlencode({'mode': 'code', **keep})}"
    context["password_url"] = f"{request.path}?{urlencode({'mode': 'password', **keep})}"
    return join_render(request, "frontend/join/sign_in.html", context, status=status)


# --- a mother joins --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_up(request):
    form = MotherSignUpForm(request.POST if request.method == "POST" else None)
    context = {"regions": known_regions()}
    if request.method == "POST" and request.POST.get("action") == SEND_CODE:
        code = code_send(request, purpose=CodePurpose.SIGN_UP)
        return join_render(
            request,
            "frontend/join/sign_up.html",
            {**context, "form": form_kept(MotherSignUpForm, request), "code": code},
            status=code.get("status", 200),
        )
    if request.method == "POST":
        refused = attempts_refused(request)
        if refused is not None:
            form = form_kept(MotherSignUpForm, request)
            return join_render(
                request, "frontend/join/sign_up.html", {**context, "form": form, **refused}, refused["status"]
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                _token, _key, user = mother_sign_up(
                    request=request,
                    phone=data["phone"],
                    code=data["code"],
                    display_name=data["display_name"],
                    region=data["region"],
                    password=data["password"] or None,
                    consent=form.consent(),
                    cares_for_child_under_12=data["cares"],
                    issue_token=False,
                )
            except DomainError as error:
                refusal_attach(form, error)
            else:
                messages.success(request, _("Welcome to Homeslot! A few more details and you can start."))
                return _signed_in(request, user, reverse("m-setup"))
        return join_render(request, "frontend/join/sign_up.html", {**context, "form": form}, status=400)
    return join_render(request, "frontend/join/sign_up.html", {**context, "form": form})


# --- a forgotten password ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_reset_page(request):
    """忘记密码: a ``reset`` code and a new password. She is signed in here; every other session and
    token of hers ends (the service), and the page she lands on says so."""
    template = "frontend/join/password_reset.html"
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and request.POST.get("action") == SEND_CODE:
        code = code_send(request, purpose=CodePurpose.RESET)
        return join_render(
            request, template, {"form": form_kept(PasswordResetForm, request), "code": code}, code.get("status", 200)
        )
    if request.method == "POST":
        refused = attempts_refused(request)
        if refused is not None:
            return join_render(
                request, template, {"form": form_kept(PasswordResetForm, request), **refused}, refused["status"]
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                _token, _key, user = password_reset(
                    request=request,
                    phone=data["phone"],
                    code=data["code"],
                    new_password=data["new_password"],
                    issue_token=False,
                )
            except SignInFailed:
                form.add_error("code", str(CodeInvalid.message))
            except DomainError as error:
                refusal_attach(form, error, renames={"password": "new_password"})
            else:
                messages.success(
                    request,
                    _(
                        "Your new password is set. For your safety, every other phone or computer signed in to your account has been signed out."
                    ),
                )
                return _signed_in(request, user, landing_for(user) or "/")
        return join_render(request, template, {"form": form}, status=400)
    return join_render(request, template, {"form": form})


# --- the texts she agrees to -------------------------------------------------------------------

LEGAL_TEXTS = {"terms": legal.TERMS_VERSION, "privacy": legal.PRIVACY_VERSION}


@require_http_methods(["GET"])
def legal_text(request, document: str):
    """The terms of use or the privacy notice, in Chinese (the text that counts) or English, with the
    version a sign-up form sends (accounts/legal.py)."""
    version = LEGAL_TEXTS[document]
    language = "en" if (get_language() or "").startswith("en") else "zh_hans"
    try:
        effective = datetime.date.fromisoformat(version)
    except ValueError:
        effective = None
    context = {"document": document, "version": version, "effective": effective}
    return join_render(request, f"frontend/legal/{document}_{language}.html", context)

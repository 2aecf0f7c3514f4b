"""HTML pages: the home page, signing in and out (finance pages: frontend/finance.py)."""

from django.contrib.auth import login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import Throttled

from accounts.errors import SignInUnavailable
from accounts.models import Role
from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from accounts.services import session_sign_out
from accounts.throttles import SIGN_IN_LIMITED, sign_in_limits_check
from core.errors import BAD_REQUEST, CSRF_FAILED, SERVER_ERROR, Forbidden, NotFound
from core.http_errors import error_body, is_api_path
from frontend.forms import SignInForm


def home(request):
    """Signed in, each person lands where their work is: a mother in her task hall, a supervisor
    or company admin in the workspace, finance staff on the ledger."""
    target = landing_for(request.user)
    if target:
        return redirect(target)
    return render(request, "frontend/home.html")


def landing_for(user) -> str | None:
    if not user.is_authenticated:
        return None
    if hasattr(user, "worker_profile"):
        return "/m/"
    if company_ids_for(user, roles=SUPERVISING_ROLES):
        return "/work/"
    if company_ids_for(user, roles=[Role.FINANCE]):
        return "/finance/"
    return None


def sign_in(request):
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST":
        refused = _sign_in_refused(request)
        if refused is not None:
            return refused
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        target = request.GET.get("next", "/")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        return redirect(target)
    return render(request, "frontend/sign_in.html", {"form": form})


def _sign_in_refused(request):
    """The API's sign-in limits (per phone number, per address), on the same counters: the page
    that says so (429, or 503 while they cannot be counted), or None when she may try."""

    try:
        sign_in_limits_check(request)
    except Throttled as limited:
        message, status, wait = SIGN_IN_LIMITED, 429, limited.wait
    except SignInUnavailable as unavailable:
        message, status, wait = unavailable.message, unavailable.status, unavailable.retry_after
    else:
        return None
    response = render(request, "frontend/sign_in.html", {"form": SignInForm(request), "error": message}, status=status)
    response["Retry-After"] = str(int(wait or 60))
    return response


@require_POST
def sign_out(request):
    session_sign_out(request=request)
    return redirect("/")


def _error(request, status: int, code: str, message, page_message=None):
    """Under /api/ the API's JSON shape; anywhere else a page in her language."""
    if is_api_path(request.path):
        return JsonResponse(error_body(code=code, message=message), status=status)
    return render(request, "frontend/error.html", {"message": page_message or message}, status=status)


# Django's error handlers (config/urls.py), with DEBUG off — the default: a page in her language,
# never Django's technical pages; under /api/ the API's JSON shape.


def bad_request(request, exception=None):
    return _error(request, 400, BAD_REQUEST, _("This request could not be understood. Please go back and try again."))


def permission_denied(request, exception=None):
    message = _("You may not open this page. If you think you should, ask your company's administrator.")
    return _error(request, 403, Forbidden.code, message)


def not_found(request, exception=None):
    return _error(request, 404, NotFound.code, _("Not found."), page_message=_("This page does not exist."))


def server_error(request):
    return _error(request, 500, SERVER_ERROR, _("Something went wrong on our side. Please try again in a moment."))


def csrf_failure(request, reason=""):
    """A form sent with an expired or missing CSRF token (a page left open overnight, cookies cleared):
    say what to do, in her language, instead of Django's technical page."""
    return _error(request, 403, CSRF_FAILED, _("This page was open too long. Please go back, reload it and try again."))

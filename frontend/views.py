"""HTML pages: the home page, signing in and out (finance pages: frontend/finance.py)."""

from django.contrib.auth import login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from accounts.services import session_sign_out
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
    from rest_framework.exceptions import Throttled

    from accounts.throttles import SIGN_IN_LIMITED, SignInUnavailable, sign_in_limits_check

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


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


# Django's error handlers (config/urls.py), with DEBUG off — the default: a page in her language,
# never Django's technical pages; under /api/ the API's JSON shape.


def bad_request(request, exception=None):
    message = _("This request could not be understood. Please go back and try again.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "bad_request", "message": message, "details": {}}}, status=400)
    return render(request, "frontend/error.html", {"message": message}, status=400)


def permission_denied(request, exception=None):
    message = _("You may not open this page. If you think you should, ask your company's administrator.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "forbidden", "message": message, "details": {}}}, status=403)
    return render(request, "frontend/error.html", {"message": message}, status=403)


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"error": {"code": "not_found", "message": _("Not found."), "details": {}}}, status=404)
    return render(request, "frontend/error.html", {"message": _("This page does not exist.")}, status=404)


def server_error(request):
    message = _("Something went wrong on our side. Please try again in a moment.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "server_error", "message": message, "details": {}}}, status=500)
    return render(request, "frontend/error.html", {"message": message}, status=500)


def csrf_failure(request, reason=""):
    """A form sent with an expired or missing CSRF token (a page left open overnight, cookies cleared):
    say what to do, in her language, instead of Django's technical page."""
    message = _("This page was open too long. Please go back, reload it and try again.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "csrf_failed", "message": message, "details": {}}}, status=403)
    return render(request, "frontend/error.html", {"message": message}, status=403)

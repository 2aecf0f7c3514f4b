"""HTML pages: the home page, signing out, the error pages (signing in and joining: frontend/join.py;
finance pages: frontend/finance.py)."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from accounts.services import session_sign_out
from core.errors import BAD_REQUEST, CSRF_FAILED, SERVER_ERROR, Forbidden, NotFound
from core.http_errors import error_body, is_api_path
from standards.programme import observer_of


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
    if observer_of(user) is not None:
        return "/programme/"
    return None


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

"""API plumbing of the project: pagination, DRF's exception handler, and JSON for every error under /api/.

What each error answers (status, code, message) is :func:`core.http_errors.error_payload`; this module
hands it to DRF and to Django's own error pages.
"""

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core import errors
from core.http_errors import error_body, error_payload, is_api_path


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Render every error as ``{"error": {"code", "message", "details"}}``."""
    payload = error_payload(exc)
    if payload is None:
        return None  # a real bug: let Django log it and answer 500
    status_code, body, headers = payload
    return Response(body, status=status_code, headers=headers)


# --- Everything under /api/ answers JSON -------------------------------------------------------
# DRF views answer their own errors (exception_handler above). What is left: paths no route matches
# (api_not_found, the last /api/ route), and errors Django answers itself before or around a view —
# a bug's 500, a Host not in ALLOWED_HOSTS, a CSRF failure — which are HTML pages, debug pages under
# DEBUG. JSONErrorsMiddleware, outermost, turns any such page under /api/ into the same JSON shape.

_STATUS_CODES = {
    400: errors.BAD_REQUEST,
    401: errors.NOT_AUTHENTICATED,
    403: errors.Forbidden.code,
    404: errors.NotFound.code,
    405: errors.METHOD_NOT_ALLOWED,
    413: errors.TooLarge.code,
    429: errors.RATE_LIMITED,
}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


def _status_message(status_code: int):
    return {
        404: _("Not found."),
        403: _("You do not have permission to do this."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
    }.get(status_code) or (
        _("Something went wrong on our side. Please try again in a moment.")
        if status_code >= 500
        else _("The request is not valid.")
    )


def json_error_response(request, status_code: int, *, code: str | None = None) -> JsonResponse:
    """API.md's error shape for ``status_code``, in the caller's language."""
    code = (
        code or _STATUS_CODES.get(status_code) or (errors.SERVER_ERROR if status_code >= 500 else errors.UNNAMED_ERROR)
    )
    with translation.override(translation.get_language_from_request(request)):
        body = error_body(code=code, message=_status_message(status_code))
    return JsonResponse(body, status=status_code)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Every path under /api/ that no route matches (an unknown path, an id too long for ``<id:…>``)."""
    return json_error_response(request, 404)


class JSONErrorsMiddleware:
    """Outermost: an error answered as a page under /api/ is answered as JSON instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path_info)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = json_error_response(request, response.status_code)
            for header in _KEPT_HEADERS:
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response

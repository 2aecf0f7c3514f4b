"""API plumbing shared by every app: pagination and the error shape of API.md."""

import logging
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from config.converters import MAX_ID
from config.errors import DomainError
from config.parsers import InvalidJSONBody

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def error_body(*, code: str, message, details=None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    InvalidJSONBody: "invalid_json",
    exceptions.ParseError: "malformed_request",  # not JSON: a broken multipart body, say
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "invalid",
}


def error_payload(exc) -> tuple[int, dict, dict] | None:
    """``(status, body, headers)`` for an error a caller can cause; None for a real bug."""
    if isinstance(exc, DomainError):
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}
        return exc.status, error_body(code=exc.code, message=exc.message, details=exc.details), headers
    if isinstance(exc, Http404):
        return 404, error_body(code="not_found", message=_("Not found.")), {}
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):  # past DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, error_body(code="too_large", message=_("The request is too large.")), {}
    if isinstance(exc, SuspiciousOperation):
        return 400, error_body(code="bad_request", message=_("The request is not valid.")), {}
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = _first_message(exc.detail) or _("The request is not valid.")
        return 400, error_body(code=code, message=message, details=details), headers
    if isinstance(exc, exceptions.Throttled):
        message = _("Too many attempts. Please wait %(seconds)s seconds and try again.") % {
            "seconds": int(exc.wait or 60)
        }
        return status.HTTP_429_TOO_MANY_REQUESTS, error_body(code=code, message=message), headers
    status_code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and headers.get(
        "WWW-Authenticate"
    ):
        status_code = 401
    return status_code, error_body(code=code, message=exc.detail, details=getattr(exc, "details", None)), headers


def exception_handler(exc, context):
    """Render every error as ``{"error": {"code", "message", "details"}}``."""
    payload = error_payload(exc)
    if payload is None:
        return None  # a real bug: let Django log it and answer 500
    status_code, body, headers = payload
    return Response(body, status=status_code, headers=headers)


def _first_message(detail):
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            if inner:
                return inner if key == "non_field_errors" else f"{key}: {inner}"
        return None
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else None
    return str(detail)


class StrictIntegerField(serializers.IntegerField):
    """An integer as JSON sends it, and nothing else: DRF's own field takes ``"100"``, ``"1_000"``,
    ``"١٠٠"`` (Arabic-Indic digits), ``100.0`` and ``" 7 "`` — a string a client built by accident
    becomes money or a count. With ``forms=True`` a form or multipart body (which can only send
    text) may give plain ASCII digits; a JSON body never may. Bounded by ``MAX_ID`` either way, so
    no database overflows on it."""

    default_error_messages = {"strict": gettext_lazy("A whole number is required (a JSON number, not text).")}
    _FORM_DIGITS = re.compile(r"-?[0-9]{1,19}")

    def __init__(self, *, forms: bool = False, **options):
        options.setdefault("min_value", -MAX_ID)
        options.setdefault("max_value", MAX_ID)
        super().__init__(**options)
        self.forms = forms

    def to_internal_value(self, data):
        if type(data) is int:  # bool is a subclass of int, and not a number anyone means
            return data
        if self.forms and isinstance(data, str) and self._FORM_DIGITS.fullmatch(data) and self._from_a_form():
            return int(data)
        self.fail("strict")

    def _from_a_form(self) -> bool:
        return isinstance(getattr(self.root, "initial_data", None), QueryDict)


def IdField(**options):
    """A database key sent in a request body: a positive integer any database can hold, so an id
    out of range is a 400 with the field named, not an overflow inside a query."""
    return StrictIntegerField(forms=True, min_value=1, max_value=MAX_ID, **options)


# --- Everything under /api/ answers JSON -------------------------------------------------------
# DRF views answer their own errors (exception_handler above). What is left: paths no route matches
# (api_not_found, the last /api/ route), and errors Django answers itself before or around a view —
# a bug's 500, a Host not in ALLOWED_HOSTS, a CSRF failure — which are HTML pages, debug pages under
# DEBUG. JSONErrorsMiddleware, outermost, turns any such page under /api/ into the same JSON shape.

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


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
    code = code or _STATUS_CODES.get(status_code) or ("server_error" if status_code >= 500 else "error")
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

"""The one error shape of API.md, ``{"error": {"code", "message", "details"}}``, and what each error a
caller can cause answers in it: a domain error (:mod:`core.errors`), a DRF or Django refusal.

DRF's exception handler (``config.api.exception_handler``) and the claim fast path both answer
through :func:`error_payload`, so a refusal reads the same whichever way the request came.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

from core import errors
from core.errors import DomainError
from core.parsers import InvalidJSONBody


def error_body(*, code: str, message, details=None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


_DRF_CODES = {
    exceptions.NotAuthenticated: errors.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: errors.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: errors.Forbidden.code,
    exceptions.NotFound: errors.NotFound.code,
    exceptions.MethodNotAllowed: errors.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: errors.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: errors.UNSUPPORTED_MEDIA_TYPE,
    InvalidJSONBody: errors.INVALID_JSON,
    exceptions.ParseError: errors.MALFORMED_REQUEST,  # not JSON: a broken multipart body, say
    exceptions.Throttled: errors.RATE_LIMITED,
    exceptions.ValidationError: errors.Invalid.code,
}


def error_payload(exc) -> tuple[int, dict, dict] | None:
    """``(status, body, headers)`` for an error a caller can cause; None for a real bug."""
    if isinstance(exc, DomainError):
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}
        return exc.status, error_body(code=exc.code, message=exc.message, details=exc.details), headers
    if isinstance(exc, Http404):
        return 404, error_body(code=errors.NotFound.code, message=_("Not found.")), {}
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):  # past DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, error_body(code=errors.TooLarge.code, message=_("The request is too large.")), {}
    if isinstance(exc, SuspiciousOperation):
        return 400, error_body(code=errors.BAD_REQUEST, message=_("The request is not valid.")), {}
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), errors.UNNAMED_ERROR)
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


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")

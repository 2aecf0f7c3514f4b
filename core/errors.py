"""The one hierarchy of domain errors: the base classes and the codes no one app owns.

Services raise these (and the subclasses in each app's ``errors.py``); ``core.http_errors.error_payload``
maps them to HTTP in one place. Each carries a stable machine ``code`` and a message a mother can read.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal a caller can cause. A code is a class: ``raise SlotFull()`` gives its own message;
    ``raise InvalidSplit(_("Brief 3 is empty."), details={"brief": 3})`` the case's own words."""

    status = 400
    code = "invalid"
    message = _("The request is not valid.")

    def __init__(self, message=None, *, details: dict | None = None):
        if message is not None:
            self.message = message
        self.details = details or {}
        super().__init__(str(self.message))


class Invalid(DomainError):
    status = 400


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = _("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = _("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = _("This cannot be done in the current state.")


class TooLarge(DomainError):
    status = 413
    code = "too_large"
    message = _("The upload is too large.")


class IdempotencyKeyReused(Conflict):
    """The caller sent a key she already used with a different request: nothing is done. (The same
    key with the same request answers the first result instead.)"""

    code = "idempotency_key_reused"
    message = _("This key was already used for a different request. Please use a new key for a new request.")


class WrongState(Conflict):
    """An object's status does not allow this (the message says which status and what was asked)."""

    code = "wrong_state"


class InvalidFormat(Invalid):
    """A file asked for in a format it is not offered in (each export names its formats)."""

    code = "invalid_format"
    message = _("The file is not offered in this format.")


class ExportNotReady(Conflict):
    """A file a background job builds, asked for before it is built (``details.status``)."""

    code = "export_not_ready"
    message = _("The file is not ready yet.")


class ReasonRequired(Invalid):
    """A decision someone else reads needs a reason: a review that is not an accept, a ledger
    correction (each passes its own message)."""

    code = "reason_required"
    message = _("Please give a reason the worker can read.")


# --- Codes that are not domain errors ---------------------------------------------------------------
# What the HTTP plumbing answers by itself: DRF's and Django's refusals of a request itself
# (core.http_errors, config.api), the error pages (frontend.views), a database that cannot answer for
# a moment (config.middleware, the claim fast path). No service raises them, so they are names, not
# classes. The generic classes above lend theirs to the plumbing too: a serializer's field error is
# ``Invalid.code``, Django's 404 ``NotFound.code``, a body past Django's limit ``TooLarge.code``.

INVALID_JSON = "invalid_json"
MALFORMED_REQUEST = "malformed_request"
BAD_REQUEST = "bad_request"
NOT_AUTHENTICATED = "not_authenticated"
AUTHENTICATION_FAILED = "authentication_failed"
CSRF_FAILED = "csrf_failed"
METHOD_NOT_ALLOWED = "method_not_allowed"
NOT_ACCEPTABLE = "not_acceptable"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
SERVICE_UNAVAILABLE = "service_unavailable"

# Each with the status it answers (the README's table lists them; tests/test_error_codes.py checks).
REQUEST_CODES = {
    INVALID_JSON: 400,
    MALFORMED_REQUEST: 400,
    BAD_REQUEST: 400,
    NOT_AUTHENTICATED: 401,  # these two are 403 from a view that offers no way to authenticate (DRF)
    AUTHENTICATION_FAILED: 401,
    CSRF_FAILED: 403,
    METHOD_NOT_ALLOWED: 405,
    NOT_ACCEPTABLE: 406,
    UNSUPPORTED_MEDIA_TYPE: 415,
    RATE_LIMITED: 429,
    SERVER_ERROR: 500,
    SERVICE_UNAVAILABLE: 503,
}

# The code of a status none of the above names: a fallback no known path answers, so not in the table.
UNNAMED_ERROR = "error"

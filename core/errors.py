"""The one hierarchy of domain errors: the base classes and the codes no one app owns.

Services raise these (and the subclasses in each app's ``errors.py``); ``core.http_errors.error_payload``
maps them to HTTP in one place. Each carries a stable machine ``code`` and a message a mother can read.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    message = _("The request is not valid.")

    def __init__(self, message=None, *, code: str | None = None, details: dict | None = None):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
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
    code = "wrong_state"


class TaskAlreadyClaimed(Conflict):
    code = "task_already_claimed"
    message = _("Someone else just claimed this task.")


class NoTaskAvailable(Conflict):
    code = "no_task_available"
    message = _("There are no open tasks left in this project.")


class SlotFull(Conflict):
    code = "slot_full"
    message = _("This time slot is full. Please choose another one.")


class ClaimLimitReached(Conflict):
    code = "claim_limit_reached"
    message = _("You already have as many tasks from this project as you may hold at once.")


class ClaimExpired(Conflict):
    code = "claim_expired"
    message = _("This claim has expired; the task went back to the task hall.")


class ReasonRequired(Invalid):
    code = "reason_required"
    message = _("Please give a reason the worker can read.")

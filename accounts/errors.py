"""Refusals about people and their access: signing in, phone numbers, invitations, staff roles,
retry keys (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, Invalid

# --- Signing in ---


class SignInFailed(DomainError):
    status = 400
    code = "invalid_credentials"
    message = _("The phone number or password is not right.")


class SignInUnavailable(DomainError):
    """The sign-in limits cannot be counted (the cache is down): nobody signs in (accounts.throttles)."""

    status = 503
    code = "sign_in_unavailable"
    message = _("Signing in is not possible for a moment. Please try again in a minute.")
    retry_after = 30


class InvalidPhone(Invalid):
    code = "invalid_phone"
    message = _("Please enter a valid mainland China mobile number, e.g. 13800000000.")


class WeakPassword(Invalid):
    """Django's password validators refused it: the message is theirs, joined."""

    code = "weak_password"


# --- Company staff ---


class InvitationInvalid(DomainError):
    status = 400
    code = "invalid_invitation"
    message = _("The phone number or the code is not right, or the invitation has expired.")


class InvalidRole(Invalid):
    code = "invalid_role"
    message = _("The role is admin, supervisor or finance.")


class LastAdmin(Conflict):
    code = "last_admin"
    message = _("A company keeps at least one admin.")


class CompanyRequired(Invalid):
    """Staff of several companies must say which one a request is for (a project, a ledger read)."""

    code = "company_required"
    message = _("Please say which company this is for.")


# --- Retry-safe requests (accounts.idempotency) ---


class InvalidIdempotencyKey(Invalid):
    code = "invalid_idempotency_key"
    message = _("The Idempotency-Key must be 1 to 200 visible ASCII characters.")


# --- Text messages (accounts.sms) ---


class SmsSendFailed(DomainError):
    """The SMS provider refused the message or could not be reached: nothing was sent. ``details``
    name the provider and its code (never the number); the log has the same."""

    status = 503
    code = "sms_send_failed"
    message = _("The text message could not be sent just now. Please try again in a minute.")
    retry_after = 60

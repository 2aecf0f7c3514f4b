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


# --- SMS codes, signing up (accounts.codes) ---


class InvalidPurpose(Invalid):
    code = "invalid_purpose"
    message = _("The purpose is sign_up, sign_in, reset, delete or payout_account.")


class CodeInvalid(DomainError):
    """Wrong, expired, used, or never sent: the same answer for each (nothing to learn from it)."""

    status = 400
    code = "invalid_code"
    message = _("The code is not right or has expired. Please check it or ask for a new one.")


class CodeTriesExceeded(DomainError):
    status = 400
    code = "code_tries_exceeded"
    message = _("Too many wrong tries. Please ask for a new code.")


class CredentialsRequired(Invalid):
    code = "credentials_required"
    message = _("Please give a password or an SMS code (one of the two).")


class ConsentRequired(Invalid):
    """Signing up needs her agreement to the current terms and privacy notice (``details``: the versions)."""

    code = "consent_required"
    message = _("Please read and agree to the current terms of use and privacy notice.")


class PhoneRegistered(Conflict):
    """Said only after the number's own code was given: nobody learns who has an account."""

    code = "phone_registered"
    message = _("This number already has an account. Please sign in instead.")


# --- Companies ---


class InvalidCreditCode(Invalid):
    code = "invalid_credit_code"
    message = _("Please enter the company's 18-character unified social credit code.")


class CompanyRegistered(Conflict):
    code = "company_registered"
    message = _("A company with this name or credit code is already registered.")


class CompanyNotApproved(Conflict):
    """A company waiting for an operator's approval (or refused) prepares work but does not publish it."""

    code = "company_not_approved"
    message = _("Your company is waiting for approval: projects can be prepared now and published once approved.")


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

"""Writes about people and companies."""

import datetime
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from accounts import sms
from accounts.audit import audit_record
from accounts.models import Company, Invitation, Membership, Role, User
from accounts.phones import phone_normalize
from config.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

INVITATION_DAYS = 7


class SignInFailed(DomainError):
    status = 400
    code = "invalid_credentials"
    message = _("The phone number or password is not right.")


def sign_in_check(*, request, phone: str, password: str) -> User:
    """Return the active user for these credentials, or raise SignInFailed."""
    phone = phone_normalize(phone)
    user = authenticate(request, username=phone, password=password or "")
    if user is None or not user.is_active:
        raise SignInFailed()
    return user


@transaction.atomic
def auth_token_issue(*, request, phone: str, password: str) -> tuple[Token, User]:
    user = sign_in_check(request=request, phone=phone, password=password)
    token, _created = Token.objects.get_or_create(user=user)
    audit_record(actor=user, action="auth.token_issue", target=user)
    return token, user


@transaction.atomic
def auth_token_revoke(*, user) -> None:
    Token.objects.filter(user=user).delete()
    audit_record(actor=user, action="auth.token_revoke", target=user)


@transaction.atomic
def company_create(*, name: str, actor=None) -> Company:
    company = Company.objects.create(name=name)
    audit_record(actor=actor, action="company.create", target=company, company_id=company.pk)
    return company


@transaction.atomic
def membership_set(*, actor, company: Company, user: User, role: str) -> Membership:
    membership, _created = Membership.objects.update_or_create(company=company, user=user, defaults={"role": role})
    audit_record(actor=actor, action="membership.set", target=membership, company_id=company.pk, role=role)
    return membership


# --- company staff ------------------------------------------------------------------------


def _require_admin(actor, company_id: int) -> Company:
    membership = Membership.objects.filter(user=actor, company_id=company_id).select_related("company").first()
    if membership is None:
        raise NotFound()
    if membership.role != Role.ADMIN:
        raise Forbidden(_("Only a company admin can manage its staff."))
    return membership.company


@transaction.atomic
def member_invite(*, actor, company_id: int, phone: str, role: str):
    """Add someone to the company's staff by phone: at once if they have an account, else by an
    SMS code that lets them set a password (``invitation_accept``). Returns ``(kind, object)``."""
    company = _require_admin(actor, company_id)
    if role not in Role.values:
        raise Invalid(_("The role is admin, supervisor or finance."), code="invalid_role")
    phone = phone_normalize(phone)
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        _keep_an_admin(company_id=company.pk, user=user, role=role)
        return "member", membership_set(actor=actor, company=company, user=user, role=role)
    code = f"{secrets.randbelow(10**6):06d}"
    invitation, _created = Invitation.objects.update_or_create(
        company=company,
        phone=phone,
        accepted_at=None,
        defaults={
            "role": role,
            "invited_by": actor,
            "code_hash": make_password(code),
            "expires_at": timezone.now() + datetime.timedelta(days=INVITATION_DAYS),
        },
    )
    audit_record(actor=actor, action="membership.invite", target=invitation, company_id=company.pk, role=role)
    text = gettext("%(company)s invites you to Homeslot. Your code: %(code)s (valid for %(days)s days).") % {
        "company": company.name,
        "code": code,
        "days": INVITATION_DAYS,
    }
    transaction.on_commit(lambda: sms.send(phone, text))
    return "invited", invitation


def _keep_an_admin(*, company_id: int, user, role: str) -> None:
    """Changing someone's role must not leave the company without an admin."""
    if role == Role.ADMIN:
        return
    admins = list(
        Membership.objects.select_for_update()
        .filter(company_id=company_id, role=Role.ADMIN)
        .values_list("user_id", flat=True)
    )
    if admins == [user.pk]:
        raise Conflict(_("A company keeps at least one admin."), code="last_admin", details={"field": "role"})


class InvitationInvalid(DomainError):
    status = 400
    code = "invalid_invitation"
    message = _("The phone number or the code is not right, or the invitation has expired.")


@transaction.atomic
def invitation_accept(*, request, phone: str, code: str, password: str, display_name: str) -> tuple[Token, User]:
    phone = phone_normalize(phone)
    now = timezone.now()
    invitation = next(
        (
            i
            for i in Invitation.objects.select_for_update().filter(
                phone=phone, accepted_at__isnull=True, expires_at__gt=now
            )
            if check_password(code or "", i.code_hash)
        ),
        None,
    )
    if invitation is None or User.objects.filter(phone=phone).exists():
        raise InvitationInvalid()
    try:
        validate_password(password, user=User(phone=phone, display_name=display_name))
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), code="weak_password") from None
    user = User.objects.create_user(phone=phone, password=password, display_name=(display_name or "").strip()[:64])
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=now)
    membership_set(actor=invitation.invited_by, company=invitation.company, user=user, role=invitation.role)
    token, _created = Token.objects.get_or_create(user=user)
    audit_record(actor=user, action="membership.accept", target=invitation, company_id=invitation.company_id)
    return token, user


@transaction.atomic
def member_remove(*, actor, company_id: int, user_id: int) -> None:
    _require_admin(actor, company_id)
    membership = Membership.objects.select_for_update().filter(company_id=company_id, user_id=user_id).first()
    if membership is None:
        raise NotFound()
    admins = Membership.objects.select_for_update().filter(company_id=company_id, role=Role.ADMIN)
    if membership.role == Role.ADMIN and admins.count() == 1:
        raise Conflict(_("A company keeps at least one admin."), code="last_admin")
    membership.delete()  # roles are read on every request: the removal holds at once
    audit_record(actor=actor, action="membership.remove", target=membership, company_id=company_id, user=user_id)

"""Writes about people and companies."""

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from accounts.audit import audit_record
from accounts.models import Company, Membership, User
from accounts.phones import phone_normalize
from config.errors import DomainError


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

"""Writes about people and companies."""

import datetime
import secrets
from collections.abc import Iterable

from django.contrib.auth import authenticate, logout
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from accounts import codes, sms
from accounts.audit import audit_record
from accounts.errors import (
    CredentialsRequired,
    InvalidRole,
    InvitationInvalid,
    LastAdmin,
    SignInFailed,
    WeakPassword,
)
from accounts.models import (
    AccessChange,
    AccessReason,
    ApiToken,
    CodePurpose,
    Company,
    Invitation,
    Membership,
    Role,
    User,
)
from accounts.phones import phone_normalize
from accounts.tokens import token_digest, token_lifetime
from core import locks
from core.errors import Forbidden, NotFound

INVITATION_DAYS = 7
# Each sign-in is a token of its own (a phone, a laptop); past this many, the least recently used go.
MAX_TOKENS_PER_USER = 20
LABEL_LENGTH = ApiToken._meta.get_field("label").max_length


def sign_in_check(*, request: HttpRequest | Request, phone: str, password: str) -> User:
    """Return the active user for these credentials, or raise SignInFailed."""
    phone = phone_normalize(phone)
    user = authenticate(request, username=phone, password=password or "")
    if user is None or not user.is_active:
        raise SignInFailed()
    return user


def access_changed(*, user_ids: Iterable[int], reason: AccessReason) -> None:
    """Record, in the caller's transaction, that these people may have lost a credential or access:
    every server process has their open sockets re-check (realtime/hub.py). Call inside the change's
    atomic block, so the row exists exactly when the change does."""
    AccessChange.objects.bulk_create(
        [AccessChange(user_id=user_id, reason=reason) for user_id in sorted(set(user_ids))]
    )


def token_label(request: HttpRequest | Request | None) -> str:
    """What a person recognises a token by in her list: the device (User-Agent) it was issued to."""
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return "".join(ch for ch in agent if ch.isprintable())[:LABEL_LENGTH]


@transaction.atomic
def api_token_issue(*, user: User, label: str) -> tuple[ApiToken, str]:
    """A new token for one device: ``(token, key)``. The key is returned this once; only its digest is kept."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(key),
        label=label,
        created_at=now,
        last_used_at=now,
        expires_at=now + token_lifetime(),
    )
    surplus = ApiToken.objects.filter(user=user).order_by("-last_used_at", "-pk").values_list("pk", flat=True)
    retired, _ = ApiToken.objects.filter(pk__in=list(surplus[MAX_TOKENS_PER_USER:])).delete()
    if retired:
        access_changed(user_ids=[user.pk], reason=AccessReason.TOKEN_REVOKED)
    return token, key


def auth_token_issue(
    *, request: HttpRequest | Request, phone: str, password: str | None = None, code: str | None = None
) -> tuple[ApiToken, str, User]:
    """Sign in with the password or with an SMS code (purpose ``sign_in``): one of the two."""
    if (password is None) == (code is None):
        raise CredentialsRequired()
    if code is not None:
        user = sign_in_by_code(phone=phone, code=code)
    else:
        user = sign_in_check(request=request, phone=phone, password=password)
    with transaction.atomic():
        token, key = api_token_issue(user=user, label=token_label(request))
        audit_record(actor=user, action="auth.token_issue", target=token, by="code" if code is not None else "password")
    return token, key, user


def sign_in_by_code(*, phone: str, code: str) -> User:
    """The active user of ``phone`` once her sign-in code is used (the code is spent even when the
    account has gone meanwhile)."""
    phone = phone_normalize(phone)
    codes.sms_code_consume(phone=phone, purpose=CodePurpose.SIGN_IN, code=code)
    user = User.objects.filter(phone=phone, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        raise SignInFailed()
    return user


def password_reset(
    *, request: HttpRequest | Request, phone: str, code: str, new_password: str, issue_token: bool = True
) -> tuple[ApiToken | None, str | None, User]:
    """She forgot her password: with a ``reset`` code she sets a new one; every other session and token
    of hers ends, and this device is signed in (an API token; ``issue_token=False``: none, the page
    signs her in with a session). The password is checked before the code is spent."""
    phone = phone_normalize(phone)
    user = User.objects.filter(phone=phone, is_active=True, deleted_at__isnull=True).first()
    password_check(password=new_password, user=user or User(phone=phone))
    codes.sms_code_consume(phone=phone, purpose=CodePurpose.RESET, code=code)
    if user is None:  # no code goes to a number without an account: only a deletion in between
        raise SignInFailed()
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ended = _tokens_end(user)
        access_changed(user_ids=[user.pk], reason=AccessReason.PASSWORD_SET)
        token, key = api_token_issue(user=user, label=token_label(request)) if issue_token else (None, None)
        audit_record(actor=user, action="user.password_reset", target=user, tokens_ended=ended)
    return token, key, user


def password_check(*, password: str, user: User) -> None:
    """Django's password validators, as a domain error (``weak_password``) in her language."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise WeakPassword(" ".join(error.messages)) from None


@transaction.atomic
def auth_token_revoke(*, user: User, token: ApiToken) -> None:
    """Sign out the device that holds ``token``."""
    audit_record(actor=user, action="auth.token_revoke", target=token)
    ApiToken.objects.filter(pk=token.pk, user=user).delete()
    access_changed(user_ids=[user.pk], reason=AccessReason.SIGN_OUT)


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> None:
    """She signs out one of her devices (``DELETE /api/v1/me/tokens/{id}``); another's token is a 404."""
    token = locks.lock_one(ApiToken.objects.filter(pk=token_id, user=actor))
    if token is None:
        raise NotFound()
    audit_record(actor=actor, action="auth.token_revoke", target=token)
    token.delete()
    access_changed(user_ids=[actor.pk], reason=AccessReason.TOKEN_REVOKED)


@transaction.atomic
def session_sign_out(*, request: HttpRequest) -> None:
    """End the session this request came with (the pages, the admin, the API with the session cookie)."""
    user = request.user
    logout(request)  # the session row goes: a socket opened with it notices at its re-check
    if getattr(user, "pk", None):
        audit_record(actor=user, action="auth.sign_out", target=user)
        access_changed(user_ids=[user.pk], reason=AccessReason.SIGN_OUT)


def _tokens_end(user: User) -> int:
    """Every token of ``user`` stops working. Her sessions end by themselves: Django checks the
    password's hash and ``is_active`` on each request."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_password_set(*, actor: User, user: User, password: str | None) -> User:
    """An operator sets her password (``None``: no password sign-in). All her tokens and sessions end."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    ended = _tokens_end(user)
    audit_record(actor=actor, action="user.password_set", target=user, tokens_ended=ended)
    access_changed(user_ids=[user.pk], reason=AccessReason.PASSWORD_SET)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """She can no longer sign in; all her tokens and sessions end."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    ended = _tokens_end(user)
    audit_record(actor=actor, action="user.deactivate", target=user, tokens_ended=ended)
    access_changed(user_ids=[user.pk], reason=AccessReason.DEACTIVATED)
    return user


@transaction.atomic
def company_create(*, name: str, actor: User | None = None) -> Company:
    company = Company.objects.create(name=name)
    audit_record(actor=actor, action="company.create", target=company, company_id=company.pk)
    return company


@transaction.atomic
def membership_set(*, actor: User | None, company: Company, user: User, role: str) -> Membership:
    before = Membership.objects.filter(company=company, user=user).values_list("role", flat=True).first()
    membership, _created = Membership.objects.update_or_create(company=company, user=user, defaults={"role": role})
    user.__dict__.pop("_homeslot_roles", None)  # the roles read for this object so far are old now
    audit_record(actor=actor, action="membership.set", target=membership, company_id=company.pk, role=role)
    if before is not None and before != role:
        access_changed(user_ids=[user.pk], reason=AccessReason.ROLE_CHANGED)
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
def member_invite(*, actor: User, company_id: int, phone: str, role: str) -> tuple[str, Membership | Invitation]:
    """Add someone to the company's staff by phone: at once if they have an account, else by an
    SMS code that lets them set a password (``invitation_accept``). Returns ``(kind, object)``."""
    company = _require_admin(actor, company_id)
    if role not in Role.values:
        raise InvalidRole()
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
    params = {"company": company.name, "code": code, "days": str(INVITATION_DAYS)}
    transaction.on_commit(lambda: sms.send_robust(phone, text, template="invitation", params=params))
    return "invited", invitation


def _keep_an_admin(*, company_id: int, user, role: str) -> None:
    """Changing someone's role must not leave the company without an admin."""
    if role == Role.ADMIN:
        return
    admins = [m.user_id for m in locks.lock(Membership.objects.filter(company_id=company_id, role=Role.ADMIN))]
    if admins == [user.pk]:
        raise LastAdmin(details={"field": "role"})


@transaction.atomic
def invitation_accept(
    *, request: HttpRequest | Request, phone: str, code: str, password: str, display_name: str
) -> tuple[ApiToken, str, User]:
    phone = phone_normalize(phone)
    now = timezone.now()
    invitation = next(
        (
            i
            for i in locks.lock(Invitation.objects.filter(phone=phone, accepted_at__isnull=True, expires_at__gt=now))
            if check_password(code or "", i.code_hash)
        ),
        None,
    )
    if invitation is None or User.objects.filter(phone=phone).exists():
        raise InvitationInvalid()
    password_check(password=password, user=User(phone=phone, display_name=display_name))
    user = User.objects.create_user(phone=phone, password=password, display_name=(display_name or "").strip()[:64])
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=now)
    membership_set(actor=invitation.invited_by, company=invitation.company, user=user, role=invitation.role)
    token, key = api_token_issue(user=user, label=token_label(request))
    audit_record(actor=user, action="membership.accept", target=invitation, company_id=invitation.company_id)
    return token, key, user


@transaction.atomic
def member_remove(*, actor: User, company_id: int, user_id: int) -> None:
    _require_admin(actor, company_id)
    membership = locks.lock_one(Membership.objects.filter(company_id=company_id, user_id=user_id))
    if membership is None:
        raise NotFound()
    admins = locks.lock(Membership.objects.filter(company_id=company_id, role=Role.ADMIN))
    if membership.role == Role.ADMIN and len(admins) == 1:
        raise LastAdmin()
    membership.delete()  # roles are read on every request: the removal holds at once
    audit_record(actor=actor, action="membership.remove", target=membership, company_id=company_id, user=user_id)
    access_changed(user_ids=[user_id], reason=AccessReason.MEMBERSHIP_REMOVED)  # and her sockets close


# --- tidying (background/periodic.py) -----------------------------------------------------------


def access_changes_prune(*, older_than: datetime.timedelta) -> int:
    """Forget access changes every server process has long read (a hub starts from the newest)."""
    deleted, _ = AccessChange.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted


def api_tokens_prune() -> int:
    """Delete tokens that have lapsed: they are refused anyway, and nobody lists them."""
    deleted, _ = ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted

"""Her account erased (个人信息保护法: her right to delete): what accounts holds about her goes, the
``User`` row stays as an anonymous shell, because ledger rows, payout lines and reviews point to it
and may never change. The whole deletion is ``tasks.services.account.account_delete``; these are the
accounts part of it, run inside its transaction."""

from django.db.models import Q
from django.utils import timezone

from accounts.errors import LastAdmin
from accounts.models import (
    AccessChange,
    AccessReason,
    ApiToken,
    AuditEntry,
    Consent,
    IdempotentRequest,
    Invitation,
    Membership,
    Role,
    SmsCode,
    User,
)
from core import locks

DELETED_NAME = "已注销用户"


def placeholder_phone(user_id: int) -> str:
    """What stands in the unique ``phone`` column of a deleted account: not a phone number
    (``phone_normalize`` only makes ``+86…``), so nobody can sign in with it or be sent a code."""
    return f"deleted:{user_id}"


def deleted_name(user_id: int) -> str:
    """How the shell is shown to finance and supervisors: ``已注销用户 #12``."""
    return f"{DELETED_NAME} #{user_id}"


def last_admin_check(*, user: User) -> None:
    """Refuse while she is the only admin of a company: someone must be left to manage it."""
    for company_id in Membership.objects.filter(user=user, role=Role.ADMIN).values_list("company_id", flat=True):
        admins = Membership.objects.filter(company_id=company_id, role=Role.ADMIN).exclude(user=user)
        if not admins.exists():
            raise LastAdmin(details={"company": company_id})


def memberships_end(*, user: User) -> list[int]:
    """Take her off every company's staff (first in the lock order: memberships), refusing if she is
    a company's last admin; returns the companies she left."""
    mine = locks.lock(Membership.objects.filter(user=user))
    admin_of = [m.company_id for m in mine if m.role == Role.ADMIN]
    if admin_of:
        others = locks.lock(Membership.objects.filter(company_id__in=admin_of, role=Role.ADMIN).exclude(user=user))
        for company_id in admin_of:
            if not any(m.company_id == company_id for m in others):
                raise LastAdmin(details={"company": company_id})
    Membership.objects.filter(pk__in=[m.pk for m in mine]).delete()
    user.__dict__.pop("_homeslot_roles", None)
    return sorted(m.company_id for m in mine)


def user_anonymise(*, user: User) -> User:
    """Her sign-in data goes: phone and name replaced, no password, inactive, every token, retry
    answer, one-time code, consent and invitation to her number deleted, her sockets told to re-check. Her sessions end at
    their next request (Django checks the password hash and ``is_active``)."""
    phone = user.phone
    user.phone = placeholder_phone(user.pk)
    user.display_name = deleted_name(user.pk)
    user.set_unusable_password()
    user.is_active = False
    user.deleted_at = timezone.now()
    user.save(update_fields=["phone", "display_name", "password", "is_active", "deleted_at"])
    ApiToken.objects.filter(user=user).delete()
    IdempotentRequest.objects.filter(user=user).delete()  # stored answers may carry her words
    Invitation.objects.filter(phone=phone).delete()
    SmsCode.objects.filter(phone=phone).delete()
    # Kept "as long as her account" (accounts.Consent): the caregiver declaration is about her family.
    Consent.objects.filter(user=user).delete()
    AccessChange.objects.create(user_id=user.pk, reason=AccessReason.DELETED)
    return user


def audit_words_erase(*, user: User, actions: tuple[str, ...], keys: tuple[str, ...]) -> int:
    """Blank the free words she wrote that audit rows copied (a reason for giving a task back may
    say her child is ill); who did what and when stays."""
    changed = 0
    rows = AuditEntry.objects.filter(actor=user, action__in=actions).filter(
        Q.create([("data__has_key", key) for key in keys], connector=Q.OR)
    )
    for entry in rows.only("pk", "data"):
        entry.data = {k: ("" if k in keys else v) for k, v in entry.data.items()}
        entry.save(update_fields=["data"])
        changed += 1
    return changed

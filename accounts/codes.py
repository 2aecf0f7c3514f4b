"""One-time SMS codes: sign up, sign in, reset a password, delete an account, change a payout account.

A code is 6 digits, valid ``HOMESLOT_SMS_CODE_MINUTES`` (5), used once, and dead after
``MAX_TRIES`` (5) wrong tries; a new code for the same number and purpose replaces the old one. Only a
keyed hash is kept (HMAC-SHA256 with the secret key: a stolen table does not give the codes away
without the key). Sending is limited per number and per client address (accounts/throttles.py).

The answer to a request is the same whether or not the number has an account: a code for signing
in, resetting, deleting or a payout account is sent only to a number that has one, and nothing says
which happened.

:func:`sms_code_consume` records a wrong try in a transaction of its own, so the try counts even
though the request that made it fails: call it outside the caller's atomic block, after the rest of
the input has been checked, right before the writes it allows.
"""

import datetime
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from accounts import sms
from accounts.errors import CodeInvalid, CodeTriesExceeded, InvalidPurpose
from accounts.models import CodePurpose, SmsCode, User
from accounts.phones import phone_normalize
from core import locks

__all__ = ["CodePurpose", "sms_code_consume", "sms_code_issue", "sms_code_request"]

MAX_TRIES = 5
DIGITS = 6
# Purposes for people who already have an account: no code goes to a number without one.
FOR_ACCOUNTS = {CodePurpose.SIGN_IN, CodePurpose.RESET, CodePurpose.DELETE, CodePurpose.PAYOUT_ACCOUNT}

_PURPOSE_WORDS = {
    CodePurpose.SIGN_UP: "注册",
    CodePurpose.SIGN_IN: "登录",
    CodePurpose.RESET: "重设密码",
    CodePurpose.DELETE: "注销账户",
    CodePurpose.PAYOUT_ACCOUNT: "修改收款账户",
}


def code_minutes() -> int:
    return int(getattr(settings, "HOMESLOT_SMS_CODE_MINUTES", 5))


def _digest(phone: str, purpose: str, code: str) -> str:
    return salted_hmac("homeslot.sms-code", f"{phone}|{purpose}|{code}", algorithm="sha256").hexdigest()


def _purpose(purpose: str) -> CodePurpose:
    if purpose not in CodePurpose.values:
        raise InvalidPurpose(details={"field": "purpose", "allowed": list(CodePurpose.values)})
    return CodePurpose(purpose)


@transaction.atomic
def sms_code_issue(*, phone: str, purpose: str) -> str:
    """Store a fresh code for ``phone`` (E.164) and ``purpose`` and return it; send nothing. Older
    unused codes of the number for that purpose stop working."""
    purpose = _purpose(purpose)
    now = timezone.now()
    SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    SmsCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_digest(phone, purpose, code),
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=code_minutes()),
    )
    return code


def sms_code_request(*, phone: str, purpose: str) -> dict:
    """``POST /api/v1/auth/sms-code``: send a code when the number may have one. The answer (the
    number masked, how long the code lasts) does not depend on whether it was sent."""
    phone = phone_normalize(phone)
    purpose = _purpose(purpose)
    has_account = User.objects.filter(phone=phone, is_active=True, deleted_at__isnull=True).exists()
    if purpose == CodePurpose.SIGN_UP or (purpose in FOR_ACCOUNTS and has_account):
        with transaction.atomic():
            code = sms_code_issue(phone=phone, purpose=purpose)
            minutes = code_minutes()
            text = gettext(
                "Your Homeslot code for %(purpose)s is %(code)s, valid for %(minutes)s minutes. "
                "Do not tell it to anyone."
            ) % {"purpose": _PURPOSE_WORDS[purpose], "code": code, "minutes": minutes}
            transaction.on_commit(
                lambda: sms.send_later(phone, text, template="code", params={"code": code, "minutes": str(minutes)})
            )
    return {"expires_in": code_minutes() * 60, "resend_after": 60}


def sms_code_consume(*, phone: str, purpose: str, code: str) -> None:
    """Use the newest live code of ``phone`` for ``purpose``; raise ``CodeInvalid`` (wrong, expired,
    used, none sent) or ``CodeTriesExceeded`` (too many wrong tries: ask for a new one). A wrong try is
    counted in its own transaction; call this outside the caller's atomic block."""
    phone = phone_normalize(phone)
    purpose = _purpose(purpose)
    given = code.strip() if isinstance(code, str) else ""
    with transaction.atomic():
        now = timezone.now()
        # At most one is live: issuing a code retires the older ones.
        row = locks.lock_one(
            SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        )
        if row is None:
            outcome = CodeInvalid
        elif row.attempts >= MAX_TRIES:
            outcome = CodeTriesExceeded
        elif len(given) == DIGITS and hmac.compare_digest(row.code_hash, _digest(phone, purpose, given)):
            SmsCode.objects.filter(pk=row.pk).update(used_at=now)
            return
        else:
            row.attempts += 1
            SmsCode.objects.filter(pk=row.pk).update(attempts=row.attempts)
            outcome = CodeTriesExceeded if row.attempts >= MAX_TRIES else CodeInvalid
    raise outcome()


def sms_codes_prune(*, older_than: datetime.timedelta) -> int:
    """Forget codes that lapsed long ago (periodic job)."""
    deleted, _ = SmsCode.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted

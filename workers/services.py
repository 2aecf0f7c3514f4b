"""Writes to a mother's profile and weekly hours."""

import datetime
import itertools
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import sms
from accounts.audit import audit_record
from accounts.codes import CodePurpose, sms_code_consume
from accounts.models import User
from core import locks, sealing
from core.errors import Invalid
from notices import services as notice_services
from workers.errors import (
    AccountNameRequired,
    AvailabilityOverlap,
    BankNameRequired,
    CodeRequired,
    InvalidWindow,
    ProfileRequired,
)
from workers.models import AvailabilityWindow, PayoutAccount, PayoutMethod, WorkerProfile
from workers.payout_numbers import alipay_normalize, bank_card_normalize, number_masked

MAX_WINDOWS = 28
PROFILE_FIELDS = (
    "display_name",
    "region",
    "city",
    "children_under_12",
    "youngest_birth_year",
)
# Taken here too (the profile API had them first), kept with her notification settings in notices.
QUIET_FIELDS = ("quiet_start", "quiet_end")


@transaction.atomic
def worker_profile_save(*, user: User, **fields: Any) -> WorkerProfile:
    """Create or update the caller's own profile."""
    unknown = set(fields) - set(PROFILE_FIELDS) - set(QUIET_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    year = fields.get("youngest_birth_year")
    this_year = timezone.localdate().year
    if year is not None and not this_year - 12 <= year <= this_year:
        raise Invalid(
            _("The youngest child's birth year should be between %(a)s and %(b)s.")
            % {"a": this_year - 12, "b": this_year},
            details={"field": "youngest_birth_year"},
        )
    profile = locks.lock_one(WorkerProfile.objects.filter(user=user))
    created = profile is None
    if created:
        profile, created = WorkerProfile.objects.get_or_create(
            user=user, defaults={"display_name": fields.get("display_name") or user.display_name or ""}
        )
    quiet = {name: fields.pop(name) for name in QUIET_FIELDS if name in fields}
    for name, value in fields.items():
        setattr(profile, name, value)
    if not (profile.display_name or "").strip():
        raise Invalid(_("Please tell us what to call you."), details={"field": "display_name"})
    profile.save()
    if quiet:
        notice_services.notice_settings_save(user=user, **quiet)
    audit_record(actor=user, action="worker.profile_create" if created else "worker.profile_update", target=profile)
    return profile


@transaction.atomic
def availability_replace(*, user: User, windows: list[dict]) -> list[AvailabilityWindow]:
    """Replace the mother's weekly windows; overlapping windows on one day are refused."""
    profile = locks.lock_one(WorkerProfile.objects.filter(user=user))
    if profile is None:
        raise ProfileRequired()
    if len(windows) > MAX_WINDOWS:
        raise Invalid(_("At most %(n)s windows a week.") % {"n": MAX_WINDOWS})
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for window in windows:
        by_day.setdefault(window["weekday"], []).append((window["start"], window["end"]))
    for weekday, spans in by_day.items():
        spans.sort()
        for (_start, end), (next_start, _next_end) in itertools.pairwise(spans):
            if next_start < end:
                raise AvailabilityOverlap(
                    details={"weekday": weekday, "start": next_start.strftime("%H:%M")},
                )
        for start, end in spans:
            if end <= start:
                raise InvalidWindow()
    profile.availability.all().delete()
    created = AvailabilityWindow.objects.bulk_create(
        [AvailabilityWindow(worker=profile, weekday=w["weekday"], start=w["start"], end=w["end"]) for w in windows]
    )
    audit_record(actor=user, action="worker.availability_replace", target=profile, windows=len(created))
    return sorted(created, key=lambda w: (w.weekday, w.start))


# --- her payout account ------------------------------------------------------------


def payout_account_set(
    *,
    worker: User,
    method: str,
    account_name: str,
    account_number: str,
    bank_name: str = "",
    code: str = "",
) -> PayoutAccount:
    """Set where her pay goes. The first account needs no code; a change needs a fresh SMS code
    (purpose ``payout_account``) and tells her by SMS. Everything she can get wrong is checked
    before the code is spent; the code is spent (in its own transaction) right before the write."""
    name = " ".join((account_name or "").split())
    if not name or len(name) > 64:
        raise AccountNameRequired(details={"field": "account_name"})
    bank = " ".join((bank_name or "").split())
    if method == PayoutMethod.BANK:
        number = bank_card_normalize(account_number)
        if not bank or len(bank) > 64:
            raise BankNameRequired(details={"field": "bank_name"})
    elif method == PayoutMethod.ALIPAY:
        number, bank = alipay_normalize(account_number), ""
    else:
        raise Invalid(_("Choose a bank card or Alipay."), details={"field": "method"})
    code = (code or "").strip()
    current = PayoutAccount.objects.filter(worker=worker).first()
    if current is not None and _same_account(current, method=method, name=name, bank=bank, number=number):
        # A resend of what is set already (a phone that lost the first answer): nothing to change, so
        # no code is asked for or spent, no SMS goes, and she gets the same answer again.
        return current
    changing = current is not None
    if changing:
        if not code:
            raise CodeRequired(details={"field": "code"})
        sms_code_consume(phone=worker.phone, purpose=CodePurpose.PAYOUT_ACCOUNT, code=code)
    fields = {
        "method": method,
        "account_name": name,
        "bank_name": bank,
        "number_sealed": sealing.seal(number),
        "number_masked": number_masked(method, number),
    }
    try:
        return _payout_account_write(worker=worker, fields=fields, code_spent=changing)
    except IntegrityError:  # her first account was written a moment ago by another request
        raise CodeRequired(details={"field": "code"}) from None


def _same_account(account: PayoutAccount, *, method: str, name: str, bank: str, number: str) -> bool:
    """Compared, never shown: the one place besides the bank file that opens a number."""
    same_terms = (account.method, account.account_name, account.bank_name) == (method, name, bank)
    return same_terms and sealing.unseal(account.number_sealed) == number


@transaction.atomic
def _payout_account_write(*, worker: User, fields: dict, code_spent: bool) -> PayoutAccount:
    account = locks.lock_one(PayoutAccount.objects.filter(worker=worker))
    if account is None:
        account = PayoutAccount.objects.create(worker=worker, **fields)
        audit_record(actor=worker, action="worker.payout_account_create", target=account, masked=account.number_masked)
        return account
    if not code_spent:  # another request set her first account between our check and this lock
        raise CodeRequired(details={"field": "code"})
    before = account.number_masked
    for field, value in fields.items():
        setattr(account, field, value)
    account.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=worker,
        action="worker.payout_account_change",
        target=account,
        masked_before=before,
        masked=account.number_masked,
    )
    text = _("Your payout account was changed to %(account)s. If this was not you, please contact us at once.") % {
        "account": account.number_masked
    }
    phone, params = worker.phone, {"account": account.number_masked}
    transaction.on_commit(lambda: sms.send_robust(phone, text, template="payout_account_changed", params=params))
    return account


def payout_accounts_reseal(*, batch: int = 500) -> int:
    """Seal every account number again with the first of HOMESLOT_FIELD_KEYS (key rotation); one
    short transaction per ``batch`` rows, each row locked. Returns the rows resealed."""
    done, after = 0, 0
    while True:
        ids = list(PayoutAccount.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        with transaction.atomic():
            rows = locks.lock(PayoutAccount.objects.filter(pk__in=ids))
            if not rows:
                return done
            for account in rows:
                PayoutAccount.objects.filter(pk=account.pk).update(number_sealed=sealing.reseal(account.number_sealed))
            done += len(rows)
        after = ids[-1]

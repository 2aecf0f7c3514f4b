"""Writes of finance: payout batches, adjustments and reversals (the ledger's services for people).

Rules the database and the locks keep, whatever the callers do:
- a mother is in at most one open batch of a company (a partial unique index on open lines),
  so two batches drafted at once never both hold her money;
- a batch moves draft → approved → exported → paid under a row lock, each step idempotent;
  it is approved by a finance user other than its creator; paying posts one transaction per
  line under the key ``payout:<batch>:<worker>``, so nothing is paid twice;
- every posting that lowers what a company owes a mother (a payout, a deduction, a reversal of
  a credit) takes a lock on her payable account first and refuses to take her below zero.
"""

import calendar
import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.selectors import FINANCE_ROLES, role_in
from config.errors import Conflict, Forbidden, IdempotencyKeyReused, Invalid, NotFound
from core import locks
from ledger import selectors
from ledger.models import (
    Account,
    AccountKind,
    AdjustmentRequest,
    AdjustmentStatus,
    Direction,
    PayoutBatch,
    PayoutLine,
    PayoutStatus,
    Transaction,
    TransactionKind,
)
from ledger.money import format_fen
from ledger.services import Leg, account_for, transaction_post
from realtime import events
from realtime.groups import worker_group
from realtime.publish import publish
from tasks.models import Claim

MAX_PERIOD_DAYS = 31
# Dates people may name: anything outside is a typo (and beyond datetime's range near the ends).
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
MAX_ADJUSTMENT_FEN = 10_000_000  # ¥100,000: a typo guard, not a business rule
MAX_REASON = 200
MAX_KEY = 80


class BalanceTooLow(Conflict):
    code = "balance_too_low"
    message = gettext_lazy("This would take a mother's balance below zero.")


class AlreadyInOpenBatch(Conflict):
    code = "already_in_open_batch"
    message = gettext_lazy("Some of these mothers are in another open batch; pay or cancel that one first.")


class ApprovalNeeded(Conflict):
    code = "approval_needed"
    message = gettext_lazy("An adjustment this large waits for a second finance user's approval.")


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    message = gettext_lazy("No mother has money to be paid for this period.")


def _require_finance(actor, company_id: int) -> None:
    role = role_in(actor, company_id)
    if role is None:
        raise NotFound()
    if role not in FINANCE_ROLES:
        raise Forbidden(_("Only finance staff or a company admin can do this."))


def half_month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The half-month (1st–15th, 16th–end) containing ``day``."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_ended_half_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start, _end = half_month(today)
    return half_month(start - datetime.timedelta(days=1))


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day`` (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


# --- batches ------------------------------------------------------------------------


@transaction.atomic
def payout_draft(
    *, actor, company_id: int, period_start: datetime.date | None = None, period_end: datetime.date | None = None
) -> PayoutBatch:
    """Draft a batch: one line per mother with money owed as of the period's end."""
    _require_finance(actor, company_id)
    today = timezone.localdate()
    if period_start is None and period_end is None:
        period_start, period_end = last_ended_half_month(today)
    if period_start is None or period_end is None:
        raise Invalid(_("Give both the first and the last day of the period."), code="invalid_period")
    if not (period_start >= FIRST_DAY and period_end <= LAST_DAY):
        raise Invalid(_("A period runs forward and lasts at most 31 days."), code="invalid_period")
    if period_end < period_start or (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise Invalid(_("A period runs forward and lasts at most 31 days."), code="invalid_period")
    if period_end >= today:
        raise Invalid(_("Only a period that has ended can be settled."), code="invalid_period")
    cutoff = day_start(period_end + datetime.timedelta(days=1))
    # Her account rows are locked first, as every debit does: a payout being posted meanwhile
    # either finished before these reads or waits for this draft.
    locks.lock(Account.objects.filter(company_id=company_id, kind=AccountKind.PAYABLE))
    owed_then = selectors.payable_balances(company_id=company_id, before=cutoff)
    owed_now = selectors.payable_balances(company_id=company_id)
    # What was owed at the period's end less what has left her account since (payouts of that
    # money, deductions): a period already settled has nothing left to pay.
    debited_since = selectors.payable_debits(company_id=company_id, since=cutoff)
    busy = set(PayoutLine.objects.filter(company_id=company_id, open=True).values_list("worker_id", flat=True))
    units = selectors.credited_units(company_id=company_id, since=day_start(period_start), before=cutoff)
    lines = []
    for worker_id, then in owed_then.items():
        amount = min(then - debited_since.get(worker_id, 0), owed_now.get(worker_id, 0))
        if amount > 0 and worker_id not in busy:
            lines.append(
                PayoutLine(company_id=company_id, worker_id=worker_id, amount_fen=amount, units=units.get(worker_id, 0))
            )
    if not lines:
        raise NothingToPay(details={"period_start": period_start.isoformat(), "period_end": period_end.isoformat()})
    batch = PayoutBatch.objects.create(
        company_id=company_id,
        period_start=period_start,
        period_end=period_end,
        created_by=actor,
        total_fen=sum(line.amount_fen for line in lines),
    )
    for line in lines:
        line.batch = batch
    try:
        with transaction.atomic():
            PayoutLine.objects.bulk_create(lines)
    except IntegrityError as exc:  # a batch drafted at the same moment took some of them
        raise AlreadyInOpenBatch() from exc
    audit_record(
        actor=actor,
        action="payout.draft",
        target=batch,
        company_id=company_id,
        lines=len(lines),
        total_fen=batch.total_fen,
        period=f"{period_start}..{period_end}",
    )
    return batch


def _locked_batch(actor, batch_id: int) -> PayoutBatch:
    batch = locks.lock_one(PayoutBatch.objects.filter(pk=batch_id))
    if batch is None:
        raise NotFound()
    _require_finance(actor, batch.company_id)
    return batch


def _wrong_state(batch: PayoutBatch, action: str) -> Conflict:
    return Conflict(
        _("A %(status)s batch cannot be %(action)s.") % {"status": batch.get_status_display(), "action": action},
        code="wrong_state",
        details={"status": batch.status},
    )


@transaction.atomic
def payout_approve(*, actor, batch_id: int) -> PayoutBatch:
    """Approve a draft; by someone other than its creator. Approving again changes nothing."""
    batch = _locked_batch(actor, batch_id)
    if batch.status in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED, PayoutStatus.PAID):
        return batch
    if batch.status != PayoutStatus.DRAFT:
        raise _wrong_state(batch, _("approved"))
    if batch.created_by_id == actor.pk:
        raise Forbidden(
            _("A batch is approved by a finance user other than the one who drafted it."), code="approver_is_creator"
        )
    if batch.lines.filter(worker_id=actor.pk).exists():
        # A staff member who is also one of its mothers is no second person for her own pay.
        raise Forbidden(_("A batch is approved by a finance user who is not paid in it."), code="approver_is_payee")
    _require_lines_covered(batch)
    batch.status, batch.approved_by, batch.approved_at = PayoutStatus.APPROVED, actor, timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, action="payout.approve", target=batch, company_id=batch.company_id)
    return batch


@transaction.atomic
def payout_mark_exported(*, actor, batch_id: int) -> PayoutBatch:
    """The bank file was taken: approved → exported (a later download changes nothing)."""
    batch = _locked_batch(actor, batch_id)
    if batch.status in (PayoutStatus.EXPORTED, PayoutStatus.PAID):
        return batch
    if batch.status != PayoutStatus.APPROVED:
        raise _wrong_state(batch, _("exported"))
    _require_lines_covered(batch)
    batch.status, batch.exported_at = PayoutStatus.EXPORTED, timezone.now()
    batch.save(update_fields=["status", "exported_at"])
    audit_record(actor=actor, action="payout.export", target=batch, company_id=batch.company_id)
    return batch


@transaction.atomic
def payout_mark_paid(*, actor, batch_id: int, reference: str) -> PayoutBatch:
    """The bank paid it: post one payout transaction per line. Paying again with the same
    reference changes nothing; with another reference it is refused."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise Invalid(_("Give the bank's reference (at most 64 characters)."), code="reference_required")
    batch = _locked_batch(actor, batch_id)
    if batch.status == PayoutStatus.PAID:
        if batch.bank_reference == reference:
            return batch
        raise Conflict(
            _("This batch was already paid with reference %(ref)s.") % {"ref": batch.bank_reference},
            code="already_paid",
            details={"reference": batch.bank_reference},
        )
    if batch.status not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED):
        raise _wrong_state(batch, _("paid"))
    cash = account_for(company_id=batch.company_id, kind=AccountKind.CASH)
    _lock_payables_of(batch)
    for line in batch.lines.order_by("worker_id"):
        payable = _locked_payable(batch.company_id, line.worker_id)
        _require_balance(payable, line.amount_fen, worker_id=line.worker_id)
        txn, _created = transaction_post(
            key=f"payout:{batch.pk}:{line.worker_id}",
            kind=TransactionKind.PAYOUT,
            company_id=batch.company_id,
            legs=[Leg(payable, Direction.DEBIT, line.amount_fen), Leg(cash, Direction.CREDIT, line.amount_fen)],
            worker_id=line.worker_id,
            memo=f"{batch.period_start}–{batch.period_end} {reference}"[:200],
            created_by=actor,
        )
        PayoutLine.objects.filter(pk=line.pk).update(payout=txn, open=False)
        publish(
            events.PAYOUT_PAID,
            groups=[worker_group(line.worker_id)],
            data={
                "batch": batch.pk,
                "company": batch.company_id,
                "amount_fen": line.amount_fen,
                "amount_display": format_fen(line.amount_fen),
                "period_start": batch.period_start.isoformat(),
                "period_end": batch.period_end.isoformat(),
            },
        )
    batch.status, batch.paid_by, batch.paid_at, batch.bank_reference = (
        PayoutStatus.PAID,
        actor,
        timezone.now(),
        reference,
    )
    batch.save(update_fields=["status", "paid_by", "paid_at", "bank_reference"])
    audit_record(actor=actor, action="payout.paid", target=batch, company_id=batch.company_id, reference=reference)
    return batch


def _require_lines_covered(batch: PayoutBatch) -> None:
    """Every line still within her balance (her account locked): never send the bank more."""
    _lock_payables_of(batch)
    for line in batch.lines.order_by("worker_id"):
        _require_balance(_locked_payable(batch.company_id, line.worker_id), line.amount_fen, worker_id=line.worker_id)


@transaction.atomic
def payout_cancel(*, actor, batch_id: int) -> PayoutBatch:
    """Cancel a batch that has not been paid (also one whose file was downloaded but that the bank
    did not pay); its mothers can be drafted again."""
    batch = _locked_batch(actor, batch_id)
    if batch.status == PayoutStatus.CANCELLED:
        return batch
    if batch.status not in (PayoutStatus.DRAFT, PayoutStatus.APPROVED, PayoutStatus.EXPORTED):
        raise _wrong_state(batch, _("cancelled"))
    batch.status = PayoutStatus.CANCELLED
    batch.save(update_fields=["status"])
    batch.lines.update(open=False)
    audit_record(actor=actor, action="payout.cancel", target=batch, company_id=batch.company_id)
    return batch


# --- adjustments and reversals ---------------------------------------------------------


def _locked_payable(company_id: int, worker_id: int) -> Account:
    account_for(company_id=company_id, kind=AccountKind.PAYABLE, worker_id=worker_id)
    return locks.lock_one(Account.objects.filter(company_id=company_id, kind=AccountKind.PAYABLE, worker_id=worker_id))


def _lock_payables_of(batch: PayoutBatch) -> None:
    """The payable accounts of all the batch's mothers at once, by key (core.locks), as a draft
    locks them: one by one in the order of the lines they could deadlock with it."""
    workers = list(batch.lines.values_list("worker_id", flat=True))
    for worker_id in workers:
        account_for(company_id=batch.company_id, kind=AccountKind.PAYABLE, worker_id=worker_id)
    locks.lock(Account.objects.filter(company_id=batch.company_id, kind=AccountKind.PAYABLE, worker_id__in=workers))


def _require_balance(payable: Account, debit_fen: int, *, worker_id: int, keep_fen: int = 0) -> None:
    """Her balance covers ``debit_fen`` and still leaves ``keep_fen`` (money in open batches)."""
    balance = selectors.account_balance(payable)
    if balance - keep_fen < debit_fen:
        raise BalanceTooLow(
            details={
                "worker": worker_id,
                "balance_fen": balance,
                "in_open_batches_fen": keep_fen,
                "needed_fen": debit_fen,
            },
        )


def _in_open_batches(company_id: int, worker_id: int) -> int:
    return (
        PayoutLine.objects.filter(company_id=company_id, worker_id=worker_id, open=True).aggregate(
            total=Sum("amount_fen")
        )["total"]
        or 0
    )


def _reason(reason) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > MAX_REASON:
        raise Invalid(_("Give a reason (at most 200 characters)."), code="reason_required")
    return reason


def _posted_alone_since(company_id: int, worker_id: int, *, since) -> int:
    """What was posted to her without a second person since ``since`` (fen, either sign counted).
    Call holding her payable account: concurrent adjustments to her are counted one after another."""
    amounts = AdjustmentRequest.objects.filter(
        company_id=company_id, worker_id=worker_id, status=AdjustmentStatus.POSTED, created_at__gte=since
    ).values_list("amount_fen", flat=True)
    return sum(abs(amount) for amount in amounts)


def approval_threshold_fen() -> int:
    """An adjustment larger than this (in fen, either sign) waits for a second finance user."""
    return settings.HOMESLOT_ADJUSTMENT_APPROVAL_FEN


def _amount(amount_fen) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
        raise Invalid(_("The amount is a whole number of fen, not zero."), code="invalid_amount")
    if abs(amount_fen) > MAX_ADJUSTMENT_FEN:
        raise Invalid(_("The amount is larger than one adjustment may be."), code="invalid_amount")
    return amount_fen


def _key(key) -> str:
    if key is None:
        return ""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        raise Invalid(_("The key is some text of at most 80 characters."), code="invalid_key")
    return key


def _worked_here(company_id: int, worker_id: int) -> bool:
    """She is a mother (she has a profile) who has worked for the company: she has claimed one of
    its tasks, or has an account with it (she was credited)."""
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(pk=worker_id, worker_profile__isnull=False).exists():
        return False
    return (
        Account.objects.filter(company_id=company_id, kind=AccountKind.PAYABLE, worker_id=worker_id).exists()
        or Claim.objects.filter(worker_id=worker_id, project__company_id=company_id).exists()
    )


def _first_with_key(actor, key: str, body: dict):
    """The caller's earlier request with ``key`` when it asked for the same ``body`` (company,
    mother, amount, reason); a key she used for something else is refused; None if never used."""
    first = AdjustmentRequest.objects.filter(requested_by=actor, key=key).select_related("transaction").first()
    if first is None:
        return None
    if {field: getattr(first, field) for field in body} != body:
        raise IdempotencyKeyReused(details={"key": key})
    return first


@transaction.atomic
def adjustment_request(
    *, actor, company_id: int, worker_id: int, amount_fen, reason: str, key: str | None = None
) -> tuple[AdjustmentRequest, bool]:
    """A bonus (positive) or a deduction (negative) for a mother who has worked for the company,
    with a reason. Up to ``approval_threshold_fen()`` (either sign) it is posted at once (status
    ``posted``); above it, it waits (``pending``) until ``adjustment_approve``.

    ``key`` is the caller's own: the same key with the same request answers the first request
    (``created`` False); with a different request it is refused and nothing is written.
    Returns ``(request, created)``."""
    _require_finance(actor, company_id)
    amount_fen = _amount(amount_fen)
    reason = _reason(reason)
    key = _key(key)
    body = {"company_id": company_id, "worker_id": worker_id, "amount_fen": amount_fen, "reason": reason}
    if key and (first := _first_with_key(actor, key, body)) is not None:
        return first, False
    if worker_id == actor.pk:
        raise Forbidden(_("Nobody adjusts their own pay."), code="own_adjustment")
    if not _worked_here(company_id, worker_id):
        raise NotFound()  # only a mother who has worked for this company
    try:
        # The key's row first: a retry racing this request waits here, then answers its result
        # (not a balance check that the first request's deduction already changed).
        with transaction.atomic():
            request = AdjustmentRequest.objects.create(requested_by=actor, key=key, **body)
    except IntegrityError:
        first = _first_with_key(actor, key, body) if key else None
        if first is None:
            raise
        return first, False
    payable = _locked_payable(company_id, worker_id)
    if amount_fen < 0:
        _require_balance(payable, -amount_fen, worker_id=worker_id, keep_fen=_in_open_batches(company_id, worker_id))
    # Posted alone (no second person) to her today by this company, this one included: splitting a
    # large adjustment into small ones does not get past the second finance user.
    alone_today = _posted_alone_since(company_id, worker_id, since=day_start(timezone.localdate()))
    if abs(amount_fen) + alone_today > approval_threshold_fen():
        audit_record(
            actor=actor,
            action="adjustment.request",
            target=request,
            company_id=company_id,
            worker=worker_id,
            amount_fen=amount_fen,
        )
        return request, True
    request.transaction = _adjustment_posted(request, actor=actor, payable=payable)
    request.status = AdjustmentStatus.POSTED
    request.save(update_fields=["transaction", "status"])
    return request, True


@transaction.atomic
def adjustment_post(*, actor, company_id: int, worker_id: int, amount_fen, reason: str, key: str | None = None):
    """An adjustment within the approval threshold, posted at once: ``(transaction, created)``.
    A larger one is refused here (nothing written): ``adjustment_request`` leaves it waiting."""
    request, created = adjustment_request(
        actor=actor, company_id=company_id, worker_id=worker_id, amount_fen=amount_fen, reason=reason, key=key
    )
    if request.transaction is None:
        raise ApprovalNeeded(details={"approval_threshold_fen": approval_threshold_fen()})
    return request.transaction, created


def _adjustment_posted(request: AdjustmentRequest, *, actor, payable: Account) -> Transaction:
    """Post ``request`` once (key ``adjustment:<id>``) and tell her; call with her account locked
    and, for a deduction, her balance checked."""
    amount_fen = request.amount_fen
    expense = account_for(company_id=request.company_id, kind=AccountKind.EXPENSE)
    if amount_fen < 0:
        legs = [Leg(payable, Direction.DEBIT, -amount_fen), Leg(expense, Direction.CREDIT, -amount_fen)]
    else:
        legs = [Leg(expense, Direction.DEBIT, amount_fen), Leg(payable, Direction.CREDIT, amount_fen)]
    txn, created = transaction_post(
        key=f"adjustment:{request.pk}",
        kind=TransactionKind.ADJUSTMENT,
        company_id=request.company_id,
        legs=legs,
        worker_id=request.worker_id,
        memo=request.reason,
        created_by=actor,
    )
    if created:
        audit_record(
            actor=actor,
            action="ledger.adjust",
            target=txn,
            company_id=request.company_id,
            amount_fen=amount_fen,
            request=request.pk,
        )
        _tell_her(txn, amount_fen)
    return txn


def _locked_request(actor, request_id: int) -> AdjustmentRequest:
    request = locks.lock_one(AdjustmentRequest.objects.filter(pk=request_id))
    if request is None:
        raise NotFound()
    _require_finance(actor, request.company_id)
    return request


def _adjustment_wrong_state(request: AdjustmentRequest, action: str) -> Conflict:
    return Conflict(
        _("An adjustment that is %(status)s cannot be %(action)s.")
        % {"status": request.get_status_display(), "action": action},
        code="wrong_state",
        details={"status": request.status},
    )


@transaction.atomic
def adjustment_approve(*, actor, request_id: int) -> AdjustmentRequest:
    """Post a waiting adjustment; by a finance user who neither asked for it nor receives it. Her
    balance is checked again (her account locked) for a deduction. Approving again changes nothing."""
    request = _locked_request(actor, request_id)
    if request.status == AdjustmentStatus.APPROVED:
        return request
    if request.status != AdjustmentStatus.PENDING:
        raise _adjustment_wrong_state(request, _("approved"))
    if request.requested_by_id == actor.pk:
        raise Forbidden(
            _("An adjustment is approved by a finance user other than the one who asked for it."),
            code="approver_is_requester",
        )
    if request.worker_id == actor.pk:
        raise Forbidden(_("Nobody adjusts their own pay."), code="own_adjustment")
    payable = _locked_payable(request.company_id, request.worker_id)
    if request.amount_fen < 0:
        keep = _in_open_batches(request.company_id, request.worker_id)
        _require_balance(payable, -request.amount_fen, worker_id=request.worker_id, keep_fen=keep)
    request.transaction = _adjustment_posted(request, actor=actor, payable=payable)
    request.status, request.decided_by, request.decided_at = AdjustmentStatus.APPROVED, actor, timezone.now()
    request.save(update_fields=["transaction", "status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="adjustment.approve",
        target=request,
        company_id=request.company_id,
        transaction=str(request.transaction_id),
    )
    return request


@transaction.atomic
def adjustment_reject(*, actor, request_id: int, reason: str) -> AdjustmentRequest:
    """Turn a waiting adjustment down with a reason; nothing is posted and she is not told. Its
    requester may withdraw it this way; the mother herself may not. Rejecting again changes nothing."""
    request = _locked_request(actor, request_id)
    reason = _reason(reason)
    if request.status == AdjustmentStatus.REJECTED:
        return request
    if request.status != AdjustmentStatus.PENDING:
        raise _adjustment_wrong_state(request, _("turned down"))
    if request.worker_id == actor.pk:
        raise Forbidden(_("Nobody adjusts their own pay."), code="own_adjustment")
    request.status, request.decided_by, request.decided_at = AdjustmentStatus.REJECTED, actor, timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="adjustment.reject", target=request, company_id=request.company_id, reason=reason)
    return request


@transaction.atomic
def transaction_reverse(*, actor, transaction_id, reason: str):
    """Undo a wrong credit or adjustment with a new transaction of mirrored postings that
    points at it. Once per transaction; never a payout or a reversal."""
    original = Transaction.objects.filter(pk=transaction_id).first()
    if original is None:
        raise NotFound()
    _require_finance(actor, original.company_id)
    if original.worker_id is not None and original.worker_id == actor.pk:
        raise Forbidden(_("Nobody adjusts their own pay."), code="own_adjustment")
    reason = _reason(reason)
    if original.kind not in (TransactionKind.EARNING, TransactionKind.ADJUSTMENT):
        raise Conflict(_("Only a credit or an adjustment can be reversed."), code="not_reversible")
    key = f"reversal:{original.pk}"
    existing = Transaction.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    legs = []
    payable_change = 0
    for posting in original.postings.select_related("account"):
        flipped = Direction.CREDIT if posting.direction == Direction.DEBIT else Direction.DEBIT
        account = posting.account
        if account.kind == AccountKind.PAYABLE:
            account = _locked_payable(account.company_id, account.worker_id)
            payable_change += posting.amount_fen if flipped == Direction.CREDIT else -posting.amount_fen
        legs.append(Leg(account, flipped, posting.amount_fen))
    if payable_change < 0 and original.worker_id is not None:
        payable = _locked_payable(original.company_id, original.worker_id)
        keep = _in_open_batches(original.company_id, original.worker_id)
        _require_balance(payable, -payable_change, worker_id=original.worker_id, keep_fen=keep)
    txn, created = transaction_post(
        key=key,
        kind=TransactionKind.REVERSAL,
        company_id=original.company_id,
        legs=legs,
        worker_id=original.worker_id,
        project_id=original.project_id,
        task_id=original.task_id,
        units=original.units,
        reverses=original,
        memo=reason,
        created_by=actor,
    )
    if created:
        audit_record(
            actor=actor, action="ledger.reverse", target=txn, company_id=original.company_id, of=str(original.pk)
        )
        if original.worker_id is not None:
            _tell_her(txn, payable_change)
    return txn, created


def _tell_her(txn: Transaction, change_fen: int) -> None:
    publish(
        events.LEDGER_CREDITED,
        groups=[worker_group(txn.worker_id)],
        data={
            "transaction": str(txn.pk),
            "company": txn.company_id,
            "project": txn.project_id,
            "task": txn.task_id,
            "units": txn.units,
            "amount_fen": change_fen,
            "amount_display": format_fen(change_fen),
            "kind": txn.kind,
            "memo": txn.memo,
        },
    )


# --- large files, built in the background ------------------------------------------------


@transaction.atomic
def export_request(*, actor, company_id: int, period_start: datetime.date, period_end: datetime.date):
    """Queue an XLSX of the ledger for a period; the job reports its progress on the row."""
    from ledger.jobs import ledger_export_build
    from ledger.models import LedgerExport

    _require_finance(actor, company_id)
    if not (period_start >= FIRST_DAY and period_end <= LAST_DAY):
        raise Invalid(_("The period runs forward and lasts at most a year."), code="invalid_period")
    if period_end < period_start or (period_end - period_start).days > 366:
        raise Invalid(_("The period runs forward and lasts at most a year."), code="invalid_period")
    export = LedgerExport.objects.create(
        company_id=company_id, requested_by=actor, period_start=period_start, period_end=period_end
    )
    audit_record(actor=actor, action="ledger.export_request", target=export, company_id=company_id)
    transaction.on_commit(lambda: ledger_export_build.enqueue(str(export.pk)))
    return export

"""Payout batches, the ledger's writes that pay mothers.

Rules the database and the locks keep, whatever the callers do:
- a mother is in at most one open batch of a company (a partial unique index on open lines),
  so two batches drafted at once never both hold her money;
- a batch moves draft → approved → exported → paid under a row lock, each step idempotent;
  it is approved by a finance user other than its creator; paying posts one transaction per
  line under the key ``payout:<batch>:<worker>``, so nothing is paid twice;
- paying takes a lock on each mother's payable account first and refuses to take her below
  zero (``ledger._common``)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEntry, User
from core import locks
from core.errors import NotFound, WrongState
from ledger import selectors
from ledger._common import _locked_payable, _require_balance, _require_finance
from ledger.errors import (
    AlreadyInOpenBatch,
    AlreadyPaid,
    ApproverIsCreator,
    ApproverIsPayee,
    BankFileByPayee,
    InvalidPeriod,
    NothingToPay,
    ReferenceRequired,
)
from ledger.models import Account, AccountKind, Direction, PayoutBatch, PayoutLine, PayoutStatus, TransactionKind
from ledger.money import format_fen
from ledger.periods import FIRST_DAY, LAST_DAY, day_start, last_ended_half_month
from ledger.services import Leg, account_for, transaction_post
from notices.models import NoticeKind
from notices.services import notice_send
from realtime import events
from realtime.groups import company_staff_group, worker_group
from realtime.publish import publish

MAX_PERIOD_DAYS = 31


@transaction.atomic
def payout_draft(
    *,
    actor: User,
    company_id: int,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> PayoutBatch:
    """Draft a batch: one line per mother with money owed as of the period's end."""
    _require_finance(actor, company_id)
    today = timezone.localdate()
    if period_start is None and period_end is None:
        period_start, period_end = last_ended_half_month(today)
    if period_start is None or period_end is None:
        raise InvalidPeriod(_("Give both the first and the last day of the period."))
    if not (period_start >= FIRST_DAY and period_end <= LAST_DAY):
        raise InvalidPeriod(_("A period runs forward and lasts at most 31 days."))
    if period_end < period_start or (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise InvalidPeriod(_("A period runs forward and lasts at most 31 days."))
    if period_end >= today:
        raise InvalidPeriod(_("Only a period that has ended can be settled."))
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


def _wrong_state(batch: PayoutBatch, action: str) -> WrongState:
    return WrongState(
        _("A %(status)s batch cannot be %(action)s.") % {"status": batch.get_status_display(), "action": action},
        details={"status": batch.status},
    )


@transaction.atomic
def payout_approve(*, actor: User, batch_id: int) -> PayoutBatch:
    """Approve a draft; by someone other than its creator. Approving again changes nothing."""
    batch = _locked_batch(actor, batch_id)
    if batch.status in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED, PayoutStatus.PAID):
        return batch
    if batch.status != PayoutStatus.DRAFT:
        raise _wrong_state(batch, _("approved"))
    if batch.created_by_id == actor.pk:
        raise ApproverIsCreator()
    if batch.lines.filter(worker_id=actor.pk).exists():
        # A staff member who is also one of its mothers is no second person for her own pay.
        raise ApproverIsPayee()
    _require_lines_covered(batch)
    batch.status, batch.approved_by, batch.approved_at = PayoutStatus.APPROVED, actor, timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, action="payout.approve", target=batch, company_id=batch.company_id)
    publish(
        events.payout_approved(
            batch=batch.pk,
            company=batch.company_id,
            amount_fen=batch.total_fen,
            amount_display=format_fen(batch.total_fen),
            period_start=batch.period_start,
            period_end=batch.period_end,
            lines=batch.lines.count(),
        ),
        groups=[company_staff_group(batch.company_id)],
    )
    return batch


@transaction.atomic
def payout_mark_exported(*, actor: User, batch_id: int) -> PayoutBatch:
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
def payout_bank_file(*, actor: User, batch_id: int, file_format: str) -> tuple[PayoutBatch, list[int]]:
    """Hand out the bank file of an approved batch (exported too, until it is paid): the mothers'
    full account numbers. Not to a finance user paid in the batch. Every fetch is audited in this
    transaction, naming the mothers whose full numbers it holds (ids, never the numbers); returns the
    batch (approved → exported) and those mothers' ids, the only ones the file may show in full."""
    batch = _locked_batch(actor, batch_id)
    if batch.status not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED):
        # A draft is not decided; a paid batch needs no bank file any more (the masked payout file
        # stays for the accountant), so its full numbers are not handed out again.
        raise _wrong_state(batch, _("sent to the bank"))
    if batch.lines.filter(worker_id=actor.pk).exists():
        raise BankFileByPayee()
    _require_lines_covered(batch)
    if batch.status == PayoutStatus.APPROVED:
        batch.status, batch.exported_at = PayoutStatus.EXPORTED, timezone.now()
        batch.save(update_fields=["status", "exported_at"])
        audit_record(actor=actor, action="payout.export", target=batch, company_id=batch.company_id)
    paid = list(
        batch.lines.filter(worker__payout_account__isnull=False)
        .order_by("worker_id")
        .values_list("worker_id", flat=True)
    )
    audit_record(
        actor=actor,
        action="payout.bank_file",
        target=batch,
        company_id=batch.company_id,
        format=file_format,
        full_numbers=len(paid),
        workers=paid,
        without_account=batch.lines.count() - len(paid),
    )
    return batch, paid


@transaction.atomic
def payout_mark_paid(*, actor: User, batch_id: int, reference: str) -> PayoutBatch:
    """The bank paid it: post one payout transaction per line. Paying again with the same
    reference changes nothing; with another reference it is refused."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ReferenceRequired()
    batch = _locked_batch(actor, batch_id)
    if batch.status == PayoutStatus.PAID:
        if batch.bank_reference == reference:
            return batch
        raise AlreadyPaid(
            _("This batch was already paid with reference %(ref)s.") % {"ref": batch.bank_reference},
            details={"reference": batch.bank_reference},
        )
    if batch.status not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED):
        raise _wrong_state(batch, _("paid"))
    cash = account_for(company_id=batch.company_id, kind=AccountKind.CASH)
    _lock_payables_of(batch)
    held = _held_out_of_bank_file(batch)
    for line in batch.lines.order_by("worker_id"):
        if line.worker_id in held:
            # Not in the bank file the bank was given: nothing was paid to her. Her line closes
            # unpaid, her balance stays payable, and the next batch holds it.
            PayoutLine.objects.filter(pk=line.pk).update(open=False)
            continue
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
        publish(events.payout_paid(**_paid(batch, line.amount_fen)), groups=[worker_group(line.worker_id)])
        amount = format_fen(line.amount_fen)
        notice_send(
            user_id=line.worker_id,
            kind=NoticeKind.PAYOUT_PAID,
            key=f"payout:{batch.pk}:{line.worker_id}",
            text=_("%(amount)s for your work of %(start)s to %(end)s has been paid to you. Thank you!")
            % {"amount": amount, "start": f"{batch.period_start:%m-%d}", "end": f"{batch.period_end:%m-%d}"},
            data={"batch": batch.pk, "company": batch.company_id, "amount_fen": line.amount_fen},
            sms_params={"amount": amount},
        )
    batch.status, batch.paid_by, batch.paid_at, batch.bank_reference = (
        PayoutStatus.PAID,
        actor,
        timezone.now(),
        reference,
    )
    if held:
        batch.total_fen = sum(line.amount_fen for line in batch.lines.all() if line.worker_id not in held)
    batch.save(update_fields=["status", "paid_by", "paid_at", "bank_reference", "total_fen"])
    # The staff hear the batch once, with what was paid in all (each mother heard her own line above).
    publish(events.payout_paid(**_paid(batch, batch.total_fen)), groups=[company_staff_group(batch.company_id)])
    audit_record(
        actor=actor,
        action="payout.paid",
        target=batch,
        company_id=batch.company_id,
        reference=reference,
        held_out=sorted(held),
    )
    return batch


def _paid(batch: PayoutBatch, amount_fen: int) -> dict:
    """What ``payout.paid`` of ``batch`` says: to a mother her line's amount, to the staff the batch's total."""
    return {
        "batch": batch.pk,
        "company": batch.company_id,
        "amount_fen": amount_fen,
        "amount_display": format_fen(amount_fen),
        "period_start": batch.period_start,
        "period_end": batch.period_end,
    }


def _held_out_of_bank_file(batch: PayoutBatch) -> set[int]:
    """The mothers of the batch whom its latest bank file did not pay (no payout account then, or one
    set after it was fetched): listed apart in it and left out of its total. A batch paid without a
    bank file (by the masked payout file and the company's own records) holds nobody out."""
    fetched = (
        AuditEntry.objects.filter(action="payout.bank_file", target_type="ledger.payoutbatch", target_id=str(batch.pk))
        .order_by("-at", "-pk")
        .values_list("data", flat=True)
        .first()
    )
    if fetched is None:
        return set()
    paid = set(fetched.get("workers", []))
    return {worker_id for worker_id in batch.lines.values_list("worker_id", flat=True) if worker_id not in paid}


def _require_lines_covered(batch: PayoutBatch) -> None:
    """Every line still within her balance (her account locked): never send the bank more."""
    _lock_payables_of(batch)
    for line in batch.lines.order_by("worker_id"):
        _require_balance(_locked_payable(batch.company_id, line.worker_id), line.amount_fen, worker_id=line.worker_id)


@transaction.atomic
def payout_cancel(*, actor: User, batch_id: int) -> PayoutBatch:
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


def _lock_payables_of(batch: PayoutBatch) -> None:
    """The payable accounts of all the batch's mothers at once, by key (core.locks), as a draft
    locks them: one by one in the order of the lines they could deadlock with it."""
    workers = list(batch.lines.values_list("worker_id", flat=True))
    for worker_id in workers:
        account_for(company_id=batch.company_id, kind=AccountKind.PAYABLE, worker_id=worker_id)
    locks.lock(Account.objects.filter(company_id=batch.company_id, kind=AccountKind.PAYABLE, worker_id__in=workers))

"""Reversals: a wrong credit or adjustment undone by a mirrored transaction that points at it."""

import uuid

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import User
from core.errors import NotFound
from ledger._common import _in_open_batches, _locked_payable, _reason, _require_balance, _require_finance, _tell_her
from ledger.errors import NotReversible, OwnAdjustment
from ledger.models import AccountKind, Direction, Transaction, TransactionKind
from ledger.services import Leg, transaction_post


@transaction.atomic
def transaction_reverse(*, actor: User, transaction_id: uuid.UUID, reason: str) -> tuple[Transaction, bool]:
    """Undo a wrong credit or adjustment with a new transaction of mirrored postings that
    points at it. Once per transaction; never a payout or a reversal."""
    original = Transaction.objects.filter(pk=transaction_id).first()
    if original is None:
        raise NotFound()
    _require_finance(actor, original.company_id)
    if original.worker_id is not None and original.worker_id == actor.pk:
        raise OwnAdjustment()
    reason = _reason(reason)
    if original.kind not in (TransactionKind.EARNING, TransactionKind.ADJUSTMENT):
        raise NotReversible()
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

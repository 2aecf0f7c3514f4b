"""Helpers the finance writes share: who is finance staff, a reason, and her payable account.

Every posting that lowers what a company owes a mother (a payout, a deduction, a reversal of a
credit) takes a lock on her payable account first and refuses to take her below zero."""

from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.selectors import FINANCE_ROLES, role_in
from core import locks
from core.errors import Forbidden, NotFound, ReasonRequired
from ledger import selectors
from ledger.errors import BalanceTooLow
from ledger.models import Account, AccountKind, PayoutLine, Transaction
from ledger.money import format_fen
from ledger.services import account_for
from realtime import events
from realtime.groups import worker_group
from realtime.publish import publish

MAX_REASON = 200


def _require_finance(actor, company_id: int) -> None:
    role = role_in(actor, company_id)
    if role is None:
        raise NotFound()
    if role not in FINANCE_ROLES:
        raise Forbidden(_("Only finance staff or a company admin can do this."))


def _locked_payable(company_id: int, worker_id: int) -> Account:
    account_for(company_id=company_id, kind=AccountKind.PAYABLE, worker_id=worker_id)
    return locks.lock_one(Account.objects.filter(company_id=company_id, kind=AccountKind.PAYABLE, worker_id=worker_id))


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
        raise ReasonRequired(_("Give a reason (at most 200 characters)."))
    return reason


def _tell_her(txn: Transaction, change_fen: int) -> None:
    publish(
        events.ledger_credited(
            transaction=str(txn.pk),
            company=txn.company_id,
            project=txn.project_id,
            task=txn.task_id,
            units=txn.units,
            amount_fen=change_fen,
            amount_display=format_fen(change_fen),
            kind=txn.kind,
            memo=txn.memo,
        ),
        groups=[worker_group(txn.worker_id)],
    )

"""Credits beyond a review's own: a peer reviewer's pay per review, and the units a second look
(an audit of a peer review) added to a decision. Each is posted once under its cause's key
(``peer_review:<review>``, ``audit:<audit>``): company expense → her payable with the company."""

from decimal import Decimal

from accounts.audit import audit_record
from accounts.models import User
from ledger.models import AccountKind, Direction, Transaction, TransactionKind
from ledger.money import fen_for_units, format_fen
from ledger.services import Leg, accounts_for, transaction_post
from realtime import events
from realtime.groups import worker_group
from realtime.publish import publish


def _credit(
    *,
    key: str,
    kind: str,
    company_id: int,
    worker_id: int,
    amount: int,
    actor: User | None,
    units: int | None,
    memo: str,
    **fields,
) -> Transaction:
    expense, payable = accounts_for(
        company_id=company_id, wanted=[(AccountKind.EXPENSE, None), (AccountKind.PAYABLE, worker_id)]
    )
    txn, created = transaction_post(
        key=key,
        kind=kind,
        company_id=company_id,
        legs=[Leg(expense, Direction.DEBIT, amount), Leg(payable, Direction.CREDIT, amount)],
        worker_id=worker_id,
        units=units,
        memo=memo[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    if created:
        audit_record(actor=actor, action="ledger.credit", target=txn, company_id=company_id, amount_fen=amount, key=key)
        publish(
            events.ledger_credited(
                transaction=str(txn.pk),
                company=company_id,
                project=fields.get("project_id"),
                task=fields.get("task_id"),
                units=units,
                amount_fen=amount,
                amount_display=format_fen(amount),
                kind=None if kind == TransactionKind.EARNING else kind,
                memo=txn.memo,
            ),
            groups=[worker_group(worker_id)],
        )
    return txn


def peer_review_pay(*, review_id: int, reviewer: User, project, rate: Decimal) -> Transaction | None:
    """Pay the peer reviewer ``rate`` for one review (call in the review's transaction); None when the
    rate rounds to nothing. Its own kind (``peer_review``): it is pay for a review, not units of work,
    so no task or units are named and it counts in no measure of accepted work."""
    amount = fen_for_units(units=1, piece_rate=rate)
    if amount <= 0:
        return None
    return _credit(
        key=f"peer_review:{review_id}",
        kind=TransactionKind.PEER_REVIEW,
        company_id=project.company_id,
        worker_id=reviewer.pk,
        amount=amount,
        actor=reviewer,
        units=None,
        memo=project.title,
        project_id=project.pk,
    )


def units_added_credit(*, key: str, submission, units: int, amount_fen: int, actor: User) -> Transaction | None:
    """Credit the author ``amount_fen`` for ``units`` more units paid of ``submission`` (a decision
    raised in her favour by a second look, ``tasks.services.second_look``), once under ``key``."""
    project = submission.project
    if amount_fen <= 0:
        return None
    return _credit(
        key=key,
        kind=TransactionKind.EARNING,
        company_id=project.company_id,
        worker_id=submission.worker_id,
        amount=amount_fen,
        actor=actor,
        units=units,
        memo=project.title,
        project_id=project.pk,
        task_id=submission.task_id,
    )

"""Writes to the ledger. Postings are balanced, append-only and posted once per cause."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from accounts.audit import audit_record
from accounts.models import User
from ledger.models import Account, AccountKind, Direction, Posting, Transaction, TransactionKind
from ledger.money import fen_for_units, format_fen
from realtime import events
from realtime.groups import worker_group
from realtime.publish import publish


@dataclass(frozen=True)
class Leg:
    account: Account
    direction: str
    amount_fen: int


def account_for(*, company_id: int, kind: str, worker_id: int | None = None) -> Account:
    account, _ = Account.objects.get_or_create(company_id=company_id, kind=kind, worker_id=worker_id)
    return account


@transaction.atomic
def transaction_post(
    *, key: str, kind: str, company_id: int, legs: list[Leg], **fields: Any
) -> tuple[Transaction, bool]:
    """Post one balanced transaction for the cause named by ``key``; once only.

    Returns ``(transaction, created)``. Posting a key again returns the first one.
    """
    existing = Transaction.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    txn_id = uuid.uuid4()
    try:
        with transaction.atomic():
            # Postings first, header last: the header's insert trigger checks the balance.
            Posting.objects.bulk_create(
                [
                    Posting(
                        transaction_id=txn_id, account=leg.account, direction=leg.direction, amount_fen=leg.amount_fen
                    )
                    for leg in legs
                ]
            )
            txn = Transaction.objects.create(id=txn_id, key=key, kind=kind, company_id=company_id, **fields)
    except IntegrityError:
        # A concurrent caller posted the same cause first.
        existing = Transaction.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing, False
    return txn, True


def earning_credit(*, review: Model, actor: User | None) -> Transaction | None:
    """Credit a mother for the units accepted in ``review``; call inside the review's transaction."""
    submission = review.submission
    project = submission.project
    if review.accepted_units <= 0:
        return None
    amount = fen_for_units(units=review.accepted_units, piece_rate=project.piece_rate)
    if amount <= 0:
        return None
    company_id = project.company_id
    txn, created = transaction_post(
        key=f"review:{review.pk}",
        kind=TransactionKind.EARNING,
        company_id=company_id,
        legs=[
            Leg(account_for(company_id=company_id, kind=AccountKind.EXPENSE), Direction.DEBIT, amount),
            Leg(
                account_for(company_id=company_id, kind=AccountKind.PAYABLE, worker_id=submission.worker_id),
                Direction.CREDIT,
                amount,
            ),
        ],
        worker_id=submission.worker_id,
        project_id=project.pk,
        task_id=submission.task_id,
        units=review.accepted_units,
        memo=project.title[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if created:
        audit_record(
            actor=actor, action="ledger.credit", target=txn, company_id=company_id, amount_fen=amount, key=txn.key
        )
        publish(
            events.ledger_credited(
                transaction=str(txn.pk),
                company=company_id,
                project=project.pk,
                task=submission.task_id,
                units=review.accepted_units,
                amount_fen=amount,
                amount_display=format_fen(amount),
            ),
            groups=[worker_group(submission.worker_id)],
        )
    return txn

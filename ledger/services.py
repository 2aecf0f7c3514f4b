"""Writes to the ledger. Postings are balanced, append-only and posted once per cause."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import Model, OuterRef, Q, Subquery

from accounts.audit import audit_record
from accounts.models import User
from core.insert_sql import insert_sql
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


def accounts_for(*, company_id: int, wanted: list[tuple[str, int | None]]) -> list[Account]:
    """The company's accounts of each ``(kind, worker_id)`` in ``wanted``, in that order, read in one
    query; the ones that do not exist yet (her first credit) are made."""
    match = Q()
    for kind, worker_id in wanted:
        match |= Q(kind=kind, worker_id=worker_id)
    found = {(a.kind, a.worker_id): a for a in Account.objects.filter(match, company_id=company_id)}
    return [
        found.get((kind, worker_id)) or account_for(company_id=company_id, kind=kind, worker_id=worker_id)
        for kind, worker_id in wanted
    ]


@transaction.atomic(savepoint=False)
def transaction_post(
    *, key: str, kind: str, company_id: int, legs: list[Leg], new_cause: bool = False, **fields: Any
) -> tuple[Transaction, bool]:
    """Post one balanced transaction for the cause named by ``key``; once only.

    Returns ``(transaction, created)``. Posting a key again returns the first one. ``new_cause``:
    the cause was made in the caller's transaction (a review's row), so no other transaction can
    know its key yet, and no savepoint is taken for one that posts it at the same time; were one to
    post it after all, the unique key refuses it (an error, never a second posting).
    """
    txn = Transaction(key=key, kind=kind, company_id=company_id, **fields)
    postings = [
        Posting(transaction_id=txn.id, account=leg.account, direction=leg.direction, amount_fen=leg.amount_fen)
        for leg in legs
    ]
    connection = transaction.get_connection(router.db_for_write(Transaction))
    if connection.vendor == "postgresql":
        if new_cause:
            posted = _post_unless_posted(connection, txn, postings)
        else:
            try:
                # A savepoint: when a concurrent post of the same cause commits first, this one's
                # header is refused by the unique key, and its postings go back with the savepoint.
                with transaction.atomic(using=connection.alias):
                    posted = _post_unless_posted(connection, txn, postings)
            except IntegrityError:
                existing = Transaction.objects.filter(key=key).first()
                if existing is None:  # refused for another reason (the balance)
                    raise
                return existing, False
        if posted:
            return txn, True
        return Transaction.objects.get(key=key), False
    # SQLite: one writer at a time, so nobody posts the key between this read and the inserts.
    existing = Transaction.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    # Postings first, header last: the header's insert trigger checks the balance.
    Posting.objects.bulk_create(postings)
    txn.save(force_insert=True)
    return txn, True


def _post_unless_posted(connection, txn: Transaction, postings: list[Posting]) -> bool:
    """PostgreSQL: the postings and then their header in one statement, unless a transaction with
    the key exists (then nothing is written); True when posted. The header's insert trigger sees
    the postings the same statement inserted before it (the count is read before the header row
    is made), so the database's balance check holds as for two statements."""
    quote = connection.ops.quote_name
    posted_already = f"SELECT 1 FROM {quote(Transaction._meta.db_table)} WHERE {quote('key')} = %s"
    legs_sql, legs_params = insert_sql(connection, Posting, postings, where=f"NOT EXISTS ({posted_already})")
    header_sql, header_params = insert_sql(connection, Transaction, [txn], where="(SELECT count(*) FROM legs) = %s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH legs AS ({legs_sql} RETURNING 1) {header_sql} RETURNING 1",
            [*legs_params, txn.key, *header_params, len(postings)],
        )
        posted = cursor.fetchone() is not None
    if posted:
        txn._state.adding, txn._state.db = False, connection.alias
    return posted


def earning_accounts(*, company: OuterRef, worker: OuterRef) -> dict[str, Subquery]:
    """The ids of the two accounts a credit posts to, as annotations of the cause's own query (the
    review's lock reads them with the submission): ``expense_account_id``, ``payable_account_id``,
    None for one not made yet (her first credit). ``company`` and ``worker``: expressions of that
    query (``OuterRef("project__company_id")``). An account, once made, never changes or goes."""
    return {
        "expense_account_id": Subquery(
            Account.objects.filter(company_id=company, kind=AccountKind.EXPENSE, worker__isnull=True).values("pk")
        ),
        "payable_account_id": Subquery(
            Account.objects.filter(company_id=company, kind=AccountKind.PAYABLE, worker_id=worker).values("pk")
        ),
    }


def earning_credit(
    *,
    review: Model,
    actor: User | None,
    account_ids: tuple[int | None, int | None] = (None, None),
    piece_rate: Decimal | None = None,
    units: int | None = None,
) -> Transaction | None:
    """Credit a mother for the units accepted in ``review``; call inside the transaction that made
    the review (its key is new there: nobody else can be posting it). ``account_ids``: the expense
    and payable accounts' ids when the caller read them (``earning_accounts``). ``piece_rate``: the
    rate her level earns (``tasks.career.rate_for_level``; default the project's rate). ``units``:
    the units paid when they are not the units accepted (a training hand-in is paid for what she
    handed in; its mark decides passing, not pay)."""
    submission = review.submission
    project = submission.project
    units = review.accepted_units if units is None else units
    if units <= 0:
        return None
    amount = fen_for_units(units=units, piece_rate=project.piece_rate if piece_rate is None else piece_rate)
    if amount <= 0:
        return None
    company_id = project.company_id
    if all(account_ids):
        expense, payable = (Account(pk=account_id) for account_id in account_ids)
    else:
        expense, payable = accounts_for(
            company_id=company_id, wanted=[(AccountKind.EXPENSE, None), (AccountKind.PAYABLE, submission.worker_id)]
        )
    txn, created = transaction_post(
        key=f"review:{review.pk}",
        kind=TransactionKind.EARNING,
        company_id=company_id,
        legs=[Leg(expense, Direction.DEBIT, amount), Leg(payable, Direction.CREDIT, amount)],
        new_cause=True,
        worker_id=submission.worker_id,
        project_id=project.pk,
        task_id=submission.task_id,
        units=units,
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
                units=units,
                amount_fen=amount,
                amount_display=format_fen(amount),
            ),
            groups=[worker_group(submission.worker_id)],
        )
    return txn

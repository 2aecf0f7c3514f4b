"""The ledger cannot be emptied: TRUNCATE of any ledger table is refused on PostgreSQL (a statement
trigger; row triggers never see a TRUNCATE), directly or by a CASCADE from a table it references."""

import pytest
from django.db import DatabaseError, connection, transaction

from ledger.models import Account, AccountKind, Direction, Posting, Transaction
from ledger.services import Leg, account_for, transaction_post


@pytest.fixture
def posted(on_postgres, company, mother):
    expense = account_for(company_id=company.pk, kind=AccountKind.EXPENSE)
    payable = account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=mother.pk)
    transaction_post(
        key="cause:1",
        kind="adjustment",
        company_id=company.pk,
        legs=[Leg(expense, Direction.DEBIT, 500), Leg(payable, Direction.CREDIT, 500)],
    )


def ledger_rows() -> tuple[int, int, int]:
    return Account.objects.count(), Transaction.objects.count(), Posting.objects.count()


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE ledger_posting",
        "TRUNCATE ledger_posting CASCADE",  # the finding
        "TRUNCATE ledger_transaction CASCADE",
        "TRUNCATE ledger_account CASCADE",
        "TRUNCATE ledger_posting, ledger_transaction, ledger_account CASCADE",
        "TRUNCATE accounts_company CASCADE",  # reaches the ledger through its foreign keys
        "TRUNCATE ONLY ledger_posting RESTART IDENTITY",
    ],
)
def test_truncate_on_any_ledger_table_is_refused(posted, statement):
    before = ledger_rows()
    with connection.cursor() as cursor:
        # As in a session of its own: the test's open transaction holds the postings' deferred
        # foreign-key checks, which would refuse any TRUNCATE for a reason of their own.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE on ledger_"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert ledger_rows() == before == (2, 1, 2)

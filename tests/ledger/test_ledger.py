import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger import guards
from ledger.models import AccountKind, Direction, Posting, Transaction
from ledger.money import fen_for_units, format_fen, format_rate
from ledger.services import Leg, account_for, transaction_post


@pytest.fixture
def accounts(company, mother):
    return (
        account_for(company_id=company.pk, kind=AccountKind.EXPENSE),
        account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=mother.pk),
    )


def post(company, accounts, key="cause:1", debit=500, credit=500):
    expense, payable = accounts
    return transaction_post(
        key=key,
        kind="adjustment",
        company_id=company.pk,
        legs=[Leg(expense, Direction.DEBIT, debit), Leg(payable, Direction.CREDIT, credit)],
    )


def test_posting_a_cause_twice_returns_the_first(company, accounts):
    first, created = post(company, accounts)
    again, created_again = post(company, accounts)

    assert created and not created_again
    assert again.pk == first.pk
    assert Transaction.objects.count() == 1 and Posting.objects.count() == 2


def test_unbalanced_transaction_is_refused_by_the_database(company, accounts):
    with pytest.raises(DatabaseError), transaction.atomic():
        post(company, accounts, debit=500, credit=499)

    assert Transaction.objects.count() == 0 and Posting.objects.count() == 0


def test_single_leg_transaction_is_refused(company, accounts):
    expense, _ = accounts
    with pytest.raises(DatabaseError), transaction.atomic():
        transaction_post(key="one-leg", kind="adjustment", company_id=company.pk, legs=[Leg(expense, "D", 1)])


def test_non_positive_amounts_are_refused(company, accounts):
    with pytest.raises(IntegrityError), transaction.atomic():
        post(company, accounts, debit=0, credit=0)


def test_postings_cannot_be_added_to_a_posted_transaction(company, accounts):
    txn, _ = post(company, accounts)
    _expense, payable = accounts

    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.create(transaction=txn, account=payable, direction="C", amount_fen=1)

    assert txn.postings.count() == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_posting SET amount_fen = amount_fen + 1",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_transaction SET memo = 'changed'",
        "DELETE FROM ledger_transaction",
        "UPDATE ledger_account SET worker_id = NULL",
        "DELETE FROM ledger_account",
    ],
)
def test_raw_sql_cannot_update_or_delete_ledger_rows(company, accounts, statement):
    post(company, accounts)
    snapshot = list(Posting.objects.order_by("pk").values_list("pk", "amount_fen"))

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert list(Posting.objects.order_by("pk").values_list("pk", "amount_fen")) == snapshot
    assert Transaction.objects.count() == 1


def test_every_ledger_table_has_its_guard_triggers(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    expected = (
        {f"{t}_append_only" for t in guards.LEDGER_TABLES} | {f"{t}_no_truncate" for t in guards.LEDGER_TABLES}
        if connection.vendor == "postgresql"
        else {f"{t}_no_{op}" for t in guards.LEDGER_TABLES for op in ("update", "delete")}
    )
    assert expected | {"ledger_posting_open", "ledger_transaction_balanced"} <= names


# pg_trigger.tgtype bits (PostgreSQL's include/catalog/pg_trigger.h)
ROW, BEFORE, DELETE, UPDATE, TRUNCATE = 1, 2, 8, 16, 32


def test_every_ledger_table_refuses_update_delete_and_truncate_and_its_guards_are_enabled(db, on_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgtype, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname LIKE 'ledger_%%'"
        )
        triggers = cursor.fetchall()
    for table in guards.LEDGER_TABLES:
        mine = [(kind, enabled) for name, kind, enabled in triggers if name == table]
        # Enabled in origin mode ("O"): a trigger someone disabled, or set to fire only on a
        # replica, does not count.
        assert any(k & ROW and k & BEFORE and k & UPDATE and k & DELETE and e == "O" for k, e in mine), table
        assert any(not k & ROW and k & BEFORE and k & TRUNCATE and e == "O" for k, e in mine), table
    # Every table of the ledger app, append-only or not, refuses to be emptied in one statement.
    for model in apps.get_app_config("ledger").get_models():
        table = model._meta.db_table
        mine = [(kind, enabled) for name, kind, enabled in triggers if name == table]
        assert any(not k & ROW and k & BEFORE and k & TRUNCATE and e == "O" for k, e in mine), table


def test_every_transaction_balances_after_a_full_flow(supervisor, company, mother, assembly, slot):
    from tests.conftest import api_for

    for m in (mother,):
        c = api_for(m).post(f"/api/v1/projects/{assembly.pk}/claim-next", {"slot": slot.pk}, format="json").json()
        s = api_for(m).post(f"/api/v1/claims/{c['id']}/submit", {"completed_units": 7}, format="json").json()
        api_for(supervisor).post(f"/api/v1/submissions/{s['id']}/review", {"decision": "accept"}, format="json")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT transaction_id, SUM(CASE direction WHEN 'D' THEN amount_fen ELSE -amount_fen END) "
            "FROM ledger_posting GROUP BY transaction_id"
        )
        sums = cursor.fetchall()
    assert sums and all(total == 0 for _, total in sums)


@pytest.mark.parametrize(
    ("units", "rate", "fen"),
    [(10, "0.5000", 500), (3, "0.0350", 11), (1, "0.0350", 4), (1, "0.0049", 0), (7, "0.0150", 11), (1, "15", 1500)],
)
def test_fen_for_units_rounds_half_up(units, rate, fen):
    assert fen_for_units(units=units, piece_rate=Decimal(rate)) == fen


def test_money_formatting():
    assert format_fen(123450) == "¥1,234.50"
    assert format_fen(-1200) == "-¥12.00"
    assert format_fen(0) == "¥0.00"
    assert format_rate(Decimal("0.0350")) == "¥0.035"
    assert format_rate(Decimal("2.5000")) == "¥2.50"
    assert format_rate(Decimal("15")) == "¥15.00"


def test_float_rates_are_refused():
    with pytest.raises(TypeError):
        fen_for_units(units=1, piece_rate=0.5)


def test_uuid_header_ids_are_fresh(company, accounts):
    a, _ = post(company, accounts, key="a")
    b, _ = post(company, accounts, key="b")
    assert isinstance(a.pk, uuid.UUID) and a.pk != b.pk

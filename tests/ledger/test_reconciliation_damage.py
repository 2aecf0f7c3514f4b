"""A ledger emptied by any means does not say "balanced": reconciliation also flags transactions
without postings, postings whose transaction header is missing, and accepted work whose credit
is missing (an emptied ledger has nothing left to sum). The damage is made the way someone with
the tables' owner's rights could: triggers off, rows gone."""

import csv
import datetime
import io
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client

from ledger import adjustments, selectors
from ledger.models import AccountKind, Direction, Posting, Transaction
from ledger.services import account_for
from tasks import services as task_services
from tasks.models import Kind, LabelItem
from tests import factories
from tests.conftest import api_for
from tests.ledger.test_exports import download

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)
PERIOD = "from=2026-11-01&to=2026-11-15"


def empty(*tables: str) -> None:
    """Delete every row of ``tables`` past the ledger's guards (inside the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            for table in tables:
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
                cursor.execute(f"DELETE FROM {table}")


def report(finance) -> dict:
    with time_machine.travel(NOV_20, tick=False):
        return api_for(finance).get(f"/api/v1/ledger/reconciliation?{PERIOD}").json()


@pytest.fixture
def credited(company, finance, mother):
    factories.worked_for(company, mother)
    with time_machine.travel(NOV_5, tick=False):
        txn, _ = adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=4_250, reason="计件"
        )
    return txn


def test_a_sound_ledger_is_balanced_with_no_problems(finance, credited):
    body = report(finance)

    assert body["balanced"] is True
    assert (body["problems"], body["problem_count"]) == ([], 0)


def test_postings_emptied_is_not_balanced(finance, credited):
    """The finding: TRUNCATE ledger_posting CASCADE, and reconciliation still said balanced."""
    empty("ledger_posting")

    body = report(finance)

    assert body["mothers"] == [] and body["totals"]["closing_fen"] == 0  # the sums see nothing
    assert body["balanced"] is False
    assert body["problems"] == [{"kind": "transaction_without_postings", "id": str(credited.pk)}]
    assert body["problem_count"] == 1


@pytest.fixture
def never_committed(db):
    """For postings left without a header: the test's transaction is rolled back unchecked (the
    test database's deferred foreign-key check at its end would refuse them, as a commit would)."""
    yield
    transaction.set_rollback(True)


def test_postings_whose_transaction_is_missing_are_flagged(company, finance, mother, credited, never_committed):
    payable = account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=mother.pk)
    expense = account_for(company_id=company.pk, kind=AccountKind.EXPENSE)
    stray = uuid.uuid4()  # postings with no header: the foreign key is checked only at commit
    Posting.objects.bulk_create(
        [
            Posting(transaction_id=stray, account=payable, direction=Direction.CREDIT, amount_fen=100),
            Posting(transaction_id=stray, account=expense, direction=Direction.DEBIT, amount_fen=100),
        ]
    )
    ids = sorted(Posting.objects.filter(transaction_id=stray).values_list("pk", flat=True))

    body = report(finance)

    assert body["balanced"] is False
    assert body["problems"] == [{"kind": "posting_without_transaction", "id": pk} for pk in ids]


@pytest.fixture
def accepted(supervisor, company, mother, assembly, slot):
    claim = task_services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    submission = task_services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)
    return task_services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")


def test_a_ledger_emptied_entirely_still_names_the_credits_it_lost(finance, accepted):
    assert Transaction.objects.filter(key=f"review:{accepted.pk}").exists()
    empty("ledger_posting", "ledger_transaction", "ledger_account")

    body = api_for(finance).get("/api/v1/ledger/reconciliation").json()

    assert body["mothers"] == [] and body["balanced"] is False
    assert body["problems"] == [{"kind": "credit_missing_for_review", "id": accepted.pk}]


def test_work_worth_less_than_half_a_fen_is_no_missing_credit(supervisor, company, finance, mother):
    project = factories.project(
        supervisor,
        company,
        kind=Kind.LABELLING,
        tasks=1,
        units_per_task=1,
        piece_rate=Decimal("0.0040"),
        minutes_per_unit=Decimal("0.01"),
    )
    slot = factories.slot(supervisor, project)
    claim = task_services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    item = LabelItem.objects.get(task_id=claim.task_id)
    submission = task_services.claim_submit(worker=mother, claim_id=claim.pk, labels={str(item.pk): "好评"})
    task_services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")
    assert not Transaction.objects.exists()  # 0.4 fen: nothing to credit

    body = api_for(finance).get("/api/v1/ledger/reconciliation").json()

    assert body["balanced"] is True and body["problem_count"] == 0


def test_the_damage_is_in_the_file_and_on_the_page(company, finance, credited):
    empty("ledger_posting")

    with time_machine.travel(NOV_20, tick=False):
        status, _, body = download(finance, f"/api/v1/ledger/reconciliation?{PERIOD}&format=csv")
        client = Client()
        client.force_login(finance)
        page = client.get(f"/finance/reconciliation/?company={company.pk}&start=2026-11-01&end=2026-11-15")

    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[-2] == ["台账已损坏：1 处问题。"]
    assert rows[-1] == ["没有分录的交易", str(credited.pk)]
    text = page.content.decode()
    assert "台账已损坏（1 处问题）" in text and f"没有分录的交易 · {credited.pk}" in text
    assert "全部对得上" not in text


def test_the_selector_counts_all_and_lists_at_most_a_hundred(company, finance, mother, credited, never_committed):
    payable = account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=mother.pk)
    Posting.objects.bulk_create(
        [Posting(transaction_id=uuid.uuid4(), account=payable, direction="C", amount_fen=1) for _ in range(120)]
    )

    problems, count = selectors.ledger_problems(company_id=company.pk)

    assert count == 120 and len(problems) == selectors.MAX_PROBLEMS_LISTED

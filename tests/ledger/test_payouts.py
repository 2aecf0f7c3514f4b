"""Payout batches, adjustments, reversals, reconciliation: the finance flow through the API."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEntry, Role
from ledger import adjustments, periods, selectors
from ledger.models import AccountKind, PayoutBatch, PayoutLine, PayoutStatus, Posting, Transaction, TransactionKind
from tests import factories
from tests.conftest import api_for

pytestmark = pytest.mark.django_db
# A fixed calendar: the first half of November 2026 has ended on the 20th.
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_18 = datetime.datetime(2026, 11, 18, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)


@pytest.fixture
def second_finance(company):
    return factories.staff(company, Role.FINANCE)


def credit(finance, company, mother, fen: int, *, at=NOV_5, reason="计件收入"):
    factories.worked_for(company, mother)
    with time_machine.travel(at, tick=False):
        txn, _ = adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=fen, reason=reason
        )
    return txn


def balance(company, mother) -> int:
    return selectors.payable_balances(company_id=company.pk).get(mother.pk, 0)


def draft(user, **body):
    with time_machine.travel(NOV_20, tick=False):
        return api_for(user).post("/api/v1/payouts", body, format="json")


def act(user, batch_id, action, **body):
    with time_machine.travel(NOV_20, tick=False):
        return api_for(user).post(f"/api/v1/payouts/{batch_id}/{action}", body, format="json")


def test_the_whole_settlement(finance, second_finance, company, mother, other_mother):
    credit(finance, company, mother, 12_345)
    credit(finance, company, other_mother, 500)
    credit(finance, company, mother, 1_000, at=NOV_18)  # after the period: waits for the next batch

    response = draft(finance)  # default period: the half-month that has ended, 1–15 November

    assert response.status_code == 201, response.content
    batch = response.json()
    assert (batch["period_start"], batch["period_end"], batch["status"]) == ("2026-11-01", "2026-11-15", "draft")
    assert {(line["worker"], line["amount_fen"]) for line in batch["lines"]} == {
        (mother.pk, 12_345),
        (other_mother.pk, 500),
    }
    assert batch["total_fen"] == 12_845 and batch["total_display"] == "¥128.45"

    refused = act(finance, batch["id"], "approve")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "approver_is_creator"
    assert act(second_finance, batch["id"], "approve").json()["status"] == "approved"
    assert act(second_finance, batch["id"], "approve").json()["status"] == "approved"  # idempotent
    assert act(finance, batch["id"], "mark-paid", reference="").status_code == 400

    with time_machine.travel(NOV_20, tick=False):
        exported = api_for(finance).get(f"/api/v1/payouts/{batch['id']}/export?format=csv")
    assert exported.status_code == 200
    assert PayoutBatch.objects.get(pk=batch["id"]).status == PayoutStatus.EXPORTED

    paid = act(finance, batch["id"], "mark-paid", reference="ICBC-20261120-001")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert balance(company, mother) == 1_000 and balance(company, other_mother) == 0
    payouts_posted = Transaction.objects.filter(kind=TransactionKind.PAYOUT)
    assert payouts_posted.count() == 2
    assert set(payouts_posted.values_list("key", flat=True)) == {
        f"payout:{batch['id']}:{mother.pk}",
        f"payout:{batch['id']}:{other_mother.pk}",
    }
    # Paying again: the same reference changes nothing; another one is refused.
    assert act(finance, batch["id"], "mark-paid", reference="ICBC-20261120-001").status_code == 200
    again = act(finance, batch["id"], "mark-paid", reference="ICBC-OTHER")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_paid"
    assert Transaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 2
    assert not PayoutLine.objects.filter(open=True).exists()


def test_a_mother_is_in_one_open_batch_at_a_time(finance, second_finance, company, mother):
    credit(finance, company, mother, 800)
    first = draft(finance).json()

    second = draft(second_finance)
    assert second.status_code == 409 and second.json()["error"]["code"] == "nothing_to_pay"

    assert act(second_finance, first["id"], "cancel").json()["status"] == "cancelled"
    redrafted = draft(second_finance)
    assert redrafted.status_code == 201 and redrafted.json()["total_fen"] == 800


def test_a_draft_cannot_be_paid_and_a_paid_batch_cannot_be_cancelled(finance, second_finance, company, mother):
    credit(finance, company, mother, 800)
    batch = draft(finance).json()
    refused = act(finance, batch["id"], "mark-paid", reference="X1")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "wrong_state"
    act(second_finance, batch["id"], "approve")
    act(finance, batch["id"], "mark-paid", reference="X1")
    assert act(finance, batch["id"], "cancel").status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"period_start": "2026-11-10", "period_end": "2026-11-01"},
        {"period_start": "2026-10-01", "period_end": "2026-11-15"},
        {"period_start": "2026-11-16", "period_end": "2026-11-30"},  # not over yet
        {"period_start": "2026-11-01"},
        {"period_start": "yesterday", "period_end": "2026-11-15"},
    ],
)
def test_bad_periods_are_refused_and_change_nothing(finance, company, mother, body):
    credit(finance, company, mother, 800)
    response = draft(finance, **body)
    assert response.status_code == 400, response.content
    assert not PayoutBatch.objects.exists()


def test_a_deduction_cannot_take_her_below_zero(finance, company, mother):
    credit(finance, company, mother, 300)
    before = Posting.objects.count()

    response = api_for(finance).post(
        "/api/v1/ledger/adjustments", {"worker": mother.pk, "amount_fen": -301, "reason": "多付"}, format="json"
    )

    assert response.status_code == 409 and response.json()["error"]["code"] == "balance_too_low"
    assert Posting.objects.count() == before and balance(company, mother) == 300
    ok = api_for(finance).post(
        "/api/v1/ledger/adjustments", {"worker": mother.pk, "amount_fen": -300, "reason": "多付"}, format="json"
    )
    assert ok.status_code == 201 and balance(company, mother) == 0


def test_an_adjustment_with_a_key_is_posted_once(finance, company, mother):
    factories.worked_for(company, mother)
    body = {"worker": mother.pk, "amount_fen": 200, "reason": "好评奖励", "key": "bonus-2026-11-mother"}
    first = api_for(finance).post("/api/v1/ledger/adjustments", body, format="json")
    again = api_for(finance).post("/api/v1/ledger/adjustments", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and balance(company, mother) == 200


def test_a_wrong_credit_is_reversed_by_a_new_transaction_once(finance, company, mother):
    wrong = credit(finance, company, mother, 700)
    url = f"/api/v1/ledger/transactions/{wrong.pk}/reverse"

    first = api_for(finance).post(url, {"reason": "重复计件"}, format="json")
    again = api_for(finance).post(url, {"reason": "重复计件"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    reversal = Transaction.objects.get(pk=first.json()["id"])
    assert reversal.kind == TransactionKind.REVERSAL and reversal.reverses_id == wrong.pk
    assert balance(company, mother) == 0
    assert Transaction.objects.filter(pk=wrong.pk).exists()  # the original stays, as posted


def test_what_cannot_be_reversed(finance, second_finance, company, mother):
    wrong = credit(finance, company, mother, 700)
    batch = draft(finance).json()
    act(second_finance, batch["id"], "approve")
    act(finance, batch["id"], "mark-paid", reference="R1")
    payout = Transaction.objects.get(kind=TransactionKind.PAYOUT)

    assert (
        api_for(finance)
        .post(f"/api/v1/ledger/transactions/{payout.pk}/reverse", {"reason": "x"}, format="json")
        .json()["error"]["code"]
        == "not_reversible"
    )
    # The credit was paid out: reversing it now would take her below zero.
    refused = api_for(finance).post(f"/api/v1/ledger/transactions/{wrong.pk}/reverse", {"reason": "x"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "balance_too_low"


def test_reconciliation_adds_up_and_shows_overdue_settlements(finance, second_finance, company, mother, other_mother):
    credit(finance, company, mother, 1_000, at=datetime.datetime(2026, 10, 20, tzinfo=datetime.UTC))
    credit(finance, company, mother, 2_000)
    credit(finance, company, other_mother, 300)
    batch = draft(finance).json()
    act(second_finance, batch["id"], "approve")
    act(finance, batch["id"], "mark-paid", reference="R2")
    credit(finance, company, other_mother, 50, at=NOV_18)

    with time_machine.travel(datetime.datetime(2026, 12, 10, tzinfo=datetime.UTC), tick=False):
        report = api_for(finance).get("/api/v1/ledger/reconciliation?from=2026-11-01&to=2026-11-30").json()

    assert report["balanced"] is True
    rows = {row["worker"]: row for row in report["mothers"]}
    assert rows[mother.pk] == {
        "worker": mother.pk,
        "opening_fen": 1_000,
        "credits_fen": 2_000,
        "debits_fen": 3_000,
        "closing_fen": 0,
        "difference_fen": 0,
    }
    assert rows[other_mother.pk]["closing_fen"] == 50
    assert report["totals"]["closing_fen"] == 50
    # Other mother's 0.50 was credited on 18 November and is unpaid on 10 December: overdue.
    assert report["overdue"] == [{"worker": other_mother.pk, "overdue_fen": 50, "balance_fen": 50}]


# --- who sees what -------------------------------------------------------------------


def test_supervisors_and_mothers_cannot_reach_payouts(supervisor, mother, finance, company):
    credit(finance, company, mother, 800)
    batch = draft(finance).json()
    for user in (supervisor, mother):
        client = api_for(user)
        assert client.get("/api/v1/payouts").status_code == 403
        assert client.get(f"/api/v1/payouts/{batch['id']}").status_code == 403
        assert client.get(f"/api/v1/payouts/{batch['id']}/export").status_code == 403
        assert client.post("/api/v1/ledger/adjustments", {}, format="json").status_code == 403
        assert client.get("/api/v1/ledger/reconciliation").status_code == 403


def test_finance_of_another_company_sees_nothing(finance, company, other_company, mother):
    credit(finance, company, mother, 800)
    batch = draft(finance).json()
    theirs = factories.staff(other_company, Role.FINANCE)
    client = api_for(theirs)

    assert client.get("/api/v1/payouts").json()["results"] == []
    assert client.get(f"/api/v1/payouts/{batch['id']}").status_code == 404
    assert client.get(f"/api/v1/payouts/{batch['id']}/export").status_code == 404
    assert client.post(f"/api/v1/payouts/{batch['id']}/approve").status_code == 404
    wrong = Transaction.objects.first()
    assert (
        client.post(f"/api/v1/ledger/transactions/{wrong.pk}/reverse", {"reason": "x"}, format="json").status_code
        == 404
    )
    assert client.get(f"/api/v1/ledger/reconciliation?company={company.pk}").status_code == 404
    assert client.get(f"/api/v1/ledger/export?company={company.pk}").status_code == 404
    assert AuditEntry.objects.filter(actor=theirs).count() == 0


def test_a_mother_sees_only_her_own_postings(finance, company, mother, other_mother):
    credit(finance, company, mother, 800)
    credit(finance, company, other_mother, 900)
    recent = api_for(mother).get("/api/v1/earnings").json()["recent"]
    assert [p["amount_fen"] for p in recent] == [800]
    assert all(p["account_kind"] == AccountKind.PAYABLE for p in recent)


def test_half_months():
    assert periods.half_month(datetime.date(2026, 2, 20)) == (datetime.date(2026, 2, 16), datetime.date(2026, 2, 28))
    assert periods.last_ended_half_month(datetime.date(2026, 12, 3)) == (
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 30),
    )
    assert timezone.is_aware(periods.day_start(datetime.date(2026, 11, 1)))


def test_finance_is_warned_once_a_day_of_overdue_settlements(finance, second_finance, company, mother):
    from ledger.jobs import settlement_overdue_warn
    from notices.models import Notice, NoticeKind

    credit(finance, company, mother, 900)
    with time_machine.travel(NOV_18, tick=False):
        assert settlement_overdue_warn.call() == 0  # 13 days: not late yet
    with time_machine.travel(datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC), tick=False):
        assert settlement_overdue_warn.call() == 1
        settlement_overdue_warn.call()
    warned = Notice.objects.filter(kind=NoticeKind.SETTLEMENT_OVERDUE)
    assert sorted(warned.values_list("user_id", flat=True)) == sorted([finance.pk, second_finance.pk])
    assert "¥9.00" in warned.first().text


def test_the_reconciliation_downloads_as_a_file(finance, company, mother):
    import csv
    import io

    from tests.ledger.test_exports import download

    credit(finance, company, mother, 1_250)
    with time_machine.travel(NOV_20, tick=False):
        status, _, body = download(finance, "/api/v1/ledger/reconciliation?from=2026-11-01&to=2026-11-15&format=csv")
    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "妈妈" and rows[1][3] == "12.50" and rows[-1][0] == "合计" and rows[-1][5] == "12.50"


# --- found in review -----------------------------------------------------------------------


def test_money_in_an_open_batch_cannot_be_deducted_and_an_exported_batch_can_be_cancelled(
    finance, second_finance, company, mother
):
    credit(finance, company, mother, 10_000)
    batch = draft(finance).json()
    deduct = {"worker": mother.pk, "amount_fen": -8_000, "reason": "多付"}

    refused = api_for(finance).post("/api/v1/ledger/adjustments", deduct, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["details"]["in_open_batches_fen"] == 10_000
    act(second_finance, batch["id"], "approve")
    with time_machine.travel(NOV_20, tick=False):
        api_for(finance).get(f"/api/v1/payouts/{batch['id']}/export?format=csv")
    assert act(finance, batch["id"], "cancel").json()["status"] == "cancelled"  # the bank did not pay it
    assert api_for(finance).post("/api/v1/ledger/adjustments", deduct, format="json").status_code == 201


def test_a_paid_period_drafted_again_has_nothing_to_pay(finance, second_finance, company, mother):
    credit(finance, company, mother, 10_000)
    batch = draft(finance).json()
    act(second_finance, batch["id"], "approve")
    act(finance, batch["id"], "mark-paid", reference="P1")
    credit(finance, company, mother, 10_000, at=datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC))

    with time_machine.travel(datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC), tick=False):
        again = api_for(finance).post(
            "/api/v1/payouts", {"period_start": "2026-11-01", "period_end": "2026-11-15"}, format="json"
        )
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_pay"


def test_an_unknown_export_format_does_not_mark_the_batch_exported(finance, second_finance, company, mother):
    credit(finance, company, mother, 500)
    batch = draft(finance).json()
    act(second_finance, batch["id"], "approve")
    assert api_for(finance).get(f"/api/v1/payouts/{batch['id']}/export?format=pdf").status_code == 400
    assert PayoutBatch.objects.get(pk=batch["id"]).status == PayoutStatus.APPROVED


def test_adjustments_only_for_mothers_of_the_company_and_never_ones_own(finance, company, other_company):
    stranger = factories.mother()  # never worked for this company
    body = {"worker": stranger.pk, "amount_fen": 1, "reason": "奖励"}
    assert api_for(finance).post("/api/v1/ledger/adjustments", body, format="json").status_code == 404

    factories.WorkerProfileFactory(user=finance)  # a finance user who also takes work
    factories.worked_for(company, finance)
    own = api_for(finance).post("/api/v1/ledger/adjustments", {**body, "worker": finance.pk}, format="json")
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_adjustment"
    assert not Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).exists()


@pytest.mark.parametrize(
    "query",
    [
        "from=9999-12-31&to=9999-12-31",
        "from=0001-01-01&to=0001-01-02",
        "from=2026-11-01&to=2026-11-15&company=%C2%B2",
    ],
)
def test_odd_periods_and_companies_get_a_400_not_a_500(finance, query):
    for path in ("/api/v1/ledger/export", "/api/v1/ledger/reconciliation"):
        assert api_for(finance).get(f"{path}?{query}").status_code == 400, path

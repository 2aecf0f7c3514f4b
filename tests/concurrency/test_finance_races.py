"""Real threads against PostgreSQL: a batch is approved once and paid once; two drafts for the
same period never share a mother; concurrent deductions never take a balance below zero."""

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Role
from ledger import adjustments, payouts, selectors
from ledger.models import AdjustmentRequest, PayoutBatch, PayoutLine, PayoutStatus, Transaction, TransactionKind
from tests import factories
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)


@pytest.fixture
def owed(on_postgres, company, finance):
    """Ten mothers owed money for the first half of November, and eight finance users."""
    mothers = [factories.mother() for _ in range(10)]
    with time_machine.travel(NOV_5, tick=False):
        for i, mother in enumerate(mothers):
            factories.worked_for(company, mother)
            adjustments.adjustment_post(
                actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=1000 + i, reason="计件"
            )
    team = [factories.staff(company, Role.FINANCE) for _ in range(8)]
    return mothers, team


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_eight_finance_users_approving_one_batch_approve_it_once(owed, company, finance):
    _mothers, team = owed
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)

    results = at_once(8, lambda i: client_for(team[i]).post(f"/api/v1/payouts/{batch.pk}/approve").status_code)

    assert results == [200] * 8  # approving an approved batch is a no-op, not an error
    assert AuditEntry.objects.filter(action="payout.approve", target_id=str(batch.pk)).count() == 1
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutStatus.APPROVED


def test_eight_finance_users_paying_one_batch_pay_it_once(owed, company, finance):
    mothers, team = owed
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
        payouts.payout_approve(actor=team[0], batch_id=batch.pk)

    def pay(i):
        response = client_for(team[i]).post(
            f"/api/v1/payouts/{batch.pk}/mark-paid", {"reference": f"BANK-{i % 2}"}, format="json"
        )
        return response.status_code

    results = at_once(8, pay)

    assert sorted(set(results)) in ([200], [200, 409])  # the same reference again: 200; another: 409
    assert Transaction.objects.filter(kind=TransactionKind.PAYOUT).count() == len(mothers)
    assert all(v == 0 for v in selectors.payable_balances(company_id=company.pk).values())
    assert AuditEntry.objects.filter(action="payout.paid", target_id=str(batch.pk)).count() == 1


def test_two_batches_drafted_at_once_never_share_a_mother(owed, company):
    mothers, team = owed

    def draft(i):
        with time_machine.travel(NOV_20, tick=False):
            response = client_for(team[i]).post("/api/v1/payouts", {}, format="json")
        return response.status_code, response.json()

    results = at_once(6, draft)

    created = [body for code, body in results if code == 201]
    refused = [body["error"]["code"] for code, body in results if code == 409]
    assert len(created) >= 1 and len(created) + len(refused) == 6
    assert set(refused) <= {"nothing_to_pay", "already_in_open_batch"}
    in_lines = list(PayoutLine.objects.values_list("worker_id", flat=True))
    assert len(in_lines) == len(set(in_lines)) == len(mothers)  # every mother once, in one batch


def test_concurrent_deductions_never_take_her_below_zero(owed, company):
    mothers, team = owed
    her = mothers[0]  # owed 1000 fen

    def deduct(i):
        response = client_for(team[i]).post(
            "/api/v1/ledger/adjustments",
            {"company": company.pk, "worker": her.pk, "amount_fen": -300, "reason": "扣款"},
            format="json",
        )
        return response.status_code

    results = at_once(8, deduct)

    assert sorted(results) == [201] * 3 + [409] * 5
    assert selectors.payable_balances(company_id=company.pk)[her.pk] == 100


def test_one_finance_user_retrying_an_adjustment_eight_times_at_once_posts_it_once(owed, company, finance):
    mothers, _team = owed
    her = mothers[0]
    body = {"company": company.pk, "worker": her.pk, "amount_fen": -300, "reason": "扣款", "key": "retry-1"}

    results = at_once(8, lambda i: client_for(finance).post("/api/v1/ledger/adjustments", body, format="json"))

    assert sorted(r.status_code for r in results) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in results}) == 1  # every retry answers the first transaction
    assert AdjustmentRequest.objects.filter(key="retry-1").count() == 1
    assert selectors.payable_balances(company_id=company.pk)[her.pk] == 700


def test_eight_finance_users_approving_one_large_adjustment_post_it_once(owed, company, finance):
    mothers, team = owed
    her = mothers[0]
    with time_machine.travel(NOV_20, tick=False):
        waiting, _ = adjustments.adjustment_request(
            actor=finance, company_id=company.pk, worker_id=her.pk, amount_fen=90_000, reason="季度奖"
        )

    results = at_once(
        8, lambda i: client_for(team[i]).post(f"/api/v1/ledger/adjustments/{waiting.pk}/approve").status_code
    )

    assert results == [200] * 8
    assert Transaction.objects.filter(key=f"adjustment:{waiting.pk}").count() == 1
    assert AuditEntry.objects.filter(action="adjustment.approve").count() == 1
    assert selectors.payable_balances(company_id=company.pk)[her.pk] == 91_000


def test_one_cause_posted_eight_times_at_once_is_posted_once_and_each_gets_the_first(owed, company):
    """No caller lock serialises these (a reversal of a deduction takes none): the key's own lock does."""
    from django.db import transaction

    from ledger.models import AccountKind, Direction, Posting
    from ledger.services import Leg, accounts_for, transaction_post

    mothers, _team = owed
    expense, payable = accounts_for(
        company_id=company.pk, wanted=[(AccountKind.EXPENSE, None), (AccountKind.PAYABLE, mothers[0].pk)]
    )
    before = Posting.objects.count()

    def post(i):
        with transaction.atomic():
            txn, created = transaction_post(
                key="cause:race",
                kind=TransactionKind.ADJUSTMENT,
                company_id=company.pk,
                legs=[Leg(expense, Direction.DEBIT, 100 + i), Leg(payable, Direction.CREDIT, 100 + i)],
            )
        return txn.pk, created

    results = at_once(8, post)

    assert [created for _pk, created in results].count(True) == 1
    assert len({pk for pk, _created in results}) == 1
    assert Transaction.objects.filter(key="cause:race").count() == 1
    assert Posting.objects.count() == before + 2

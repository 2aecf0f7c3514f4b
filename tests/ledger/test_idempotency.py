"""Idempotency-Key on payout drafts and adjustments: a retry gets the first answer."""

import datetime

import pytest
import time_machine

from accounts.models import IdempotentRequest
from ledger import adjustments
from ledger.models import PayoutBatch, Transaction, TransactionKind
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOV_20, tick=False):
        yield


def post(user, path, body, key):
    return api_for(user).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def owed(finance, company, mother, fen):
    factories.worked_for(company, mother)
    with time_machine.travel(NOV_5, tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=fen, reason="计件"
        )


def test_a_payout_draft_retried_gets_the_same_batch(finance, company, mother):
    owed(finance, company, mother, 12_345)

    first = post(finance, "/api/v1/payouts", {}, "draft-nov-1")
    retried = post(finance, "/api/v1/payouts", {}, "draft-nov-1")

    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json() and retried["Idempotent-Replayed"] == "true"
    assert PayoutBatch.objects.count() == 1
    # Without the key the same request is a second draft: nothing left, her money is in the first.
    again = api_for(finance).post("/api/v1/payouts", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_pay"


def test_an_adjustment_retried_by_header_is_posted_once(finance, company, mother):
    factories.worked_for(company, mother)
    body = {"worker": mother.pk, "amount_fen": 777, "reason": "奖励"}

    first = post(finance, "/api/v1/ledger/adjustments", body, "bonus-1")
    retried = post(finance, "/api/v1/ledger/adjustments", body, "bonus-1")

    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json()
    assert Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).count() == 1


def test_an_adjustment_key_reused_for_another_mother_is_refused_and_writes_nothing(finance, company, mother):
    other = factories.mother()
    factories.worked_for(company, mother)
    factories.worked_for(company, other)
    post(finance, "/api/v1/ledger/adjustments", {"worker": mother.pk, "amount_fen": 777, "reason": "奖励"}, "k")
    before = world()
    kept = IdempotentRequest.objects.count()

    refused = post(finance, "/api/v1/ledger/adjustments", {"worker": other.pk, "amount_fen": -1, "reason": "扣"}, "k")

    assert_refused(refused, 409, "idempotency_key_reused", before)
    assert IdempotentRequest.objects.count() == kept
    assert Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT, worker_id=other.pk).count() == 0


def test_finance_keys_are_their_own(finance, company, mother):
    colleague = factories.staff(company, finance.memberships.get().role)
    factories.worked_for(company, mother)
    body = {"worker": mother.pk, "amount_fen": 100, "reason": "奖励"}

    assert post(finance, "/api/v1/ledger/adjustments", body, "shared").status_code == 201
    assert post(colleague, "/api/v1/ledger/adjustments", body, "shared").status_code == 201
    assert Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).count() == 2

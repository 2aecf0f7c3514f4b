"""Where a second person is the point, the second person is never the one who gets the money:
a finance user who gave herself a mother's profile (PUT /me/profile) and is owed money by her own
company cannot approve the batch that pays her, nor reverse a deduction from her own pay."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from ledger import adjustments
from ledger.models import PayoutBatch, PayoutStatus, TransactionKind
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)


@pytest.fixture
def colleague_owed(company, finance):
    """A second finance user who once worked for the company as a mother and is owed ¥30."""
    colleague = factories.staff(company, Role.FINANCE)
    made = api_for(colleague).put("/api/v1/me/profile", {"display_name": "财务自己"}, format="json")
    assert made.status_code == 200
    factories.worked_for(company, colleague)
    with time_machine.travel(NOV_5, tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=colleague.pk, amount_fen=3_000, reason="计件"
        )
    return colleague


def test_nobody_approves_the_batch_that_pays_her(company, finance, colleague_owed, mother):
    factories.worked_for(company, mother)
    with time_machine.travel(NOV_5, tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=500, reason="计件"
        )
    with time_machine.travel(NOV_20, tick=False):
        batch = api_for(finance).post("/api/v1/payouts", {}, format="json").json()
        assert sorted(line["worker"] for line in batch["lines"]) == sorted([mother.pk, colleague_owed.pk])
        before = world()

        refused = api_for(colleague_owed).post(f"/api/v1/payouts/{batch['id']}/approve", format="json")

        assert_refused(refused, 403, "approver_is_payee", before)
        assert PayoutBatch.objects.get(pk=batch["id"]).status == PayoutStatus.DRAFT
        third = factories.staff(company, Role.FINANCE)
        approved = api_for(third).post(f"/api/v1/payouts/{batch['id']}/approve", format="json")
        assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_nobody_reverses_a_deduction_from_her_own_pay(company, finance, colleague_owed):
    with time_machine.travel(NOV_5, tick=False):
        deduction, _ = adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=colleague_owed.pk, amount_fen=-1_000, reason="多付"
        )
    before = world()

    refused = api_for(colleague_owed).post(
        f"/api/v1/ledger/transactions/{deduction.pk}/reverse", {"reason": "撤销"}, format="json"
    )

    assert_refused(refused, 403, "own_adjustment", before)
    reversed_ = api_for(finance).post(
        f"/api/v1/ledger/transactions/{deduction.pk}/reverse", {"reason": "扣错了"}, format="json"
    )
    assert reversed_.status_code == 201 and reversed_.json()["kind"] == TransactionKind.REVERSAL


def test_nobody_adjusts_her_own_pay_even_with_a_profile_and_an_account(company, colleague_owed):
    before = world()

    refused = api_for(colleague_owed).post(
        "/api/v1/ledger/adjustments", {"worker": colleague_owed.pk, "amount_fen": 100, "reason": "奖励"}, format="json"
    )

    assert_refused(refused, 403, "own_adjustment", before)

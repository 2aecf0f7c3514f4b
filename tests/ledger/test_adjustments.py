"""Adjustments: only for mothers who have worked for the company; an idempotency key is the
caller's and answers the first result only for the same request; above the approval threshold
(¥500 by default) an adjustment waits for a second finance user, who is neither its requester nor
the mother, and approving it posts it once."""

import datetime
import os
import subprocess
import sys

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEntry, Role
from ledger import adjustments, errors, selectors
from ledger.models import AdjustmentRequest, AdjustmentStatus, Transaction, TransactionKind
from realtime.models import OutboxEvent
from tasks import services as task_services
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/ledger/adjustments"


@pytest.fixture
def second_finance(company):
    return factories.staff(company, Role.FINANCE)


@pytest.fixture
def worked(company, mother, other_mother):
    factories.worked_for(company, mother)
    factories.worked_for(company, other_mother)
    return mother, other_mother


def adjust(user, **body):
    return api_for(user).post(URL, body, format="json")


def balance(company, mother) -> int:
    return selectors.payable_balances(company_id=company.pk).get(mother.pk, 0)


def earn_earlier(finance, company, mother, *amounts) -> None:
    """Her earlier money, one adjustment a day on the days before (a day's adjustments posted
    alone add up against the threshold)."""
    for days_ago, amount in reversed(list(enumerate(amounts, start=1))):  # oldest first
        with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago), tick=False):
            adjustments.adjustment_post(
                actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=amount, reason="计件"
            )


def told(mother) -> list:
    return list(
        OutboxEvent.objects.filter(type="ledger.credited", group=f"worker.{mother.pk}").values_list(
            "data__amount_fen", flat=True
        )
    )


# --- the idempotency key ---------------------------------------------------------------------


def test_a_reused_key_with_a_different_body_is_refused_and_writes_nothing(finance, company, worked):
    """The finding: worker 8 got ¥7.77 with key "k"; worker 9, −1 fen, key "k" answered 200 with
    worker 8's transaction."""
    first_mother, second_mother = worked
    first = adjust(finance, worker=first_mother.pk, amount_fen=777, reason="奖励", key="k")
    assert first.status_code == 201
    before = world()

    reused = adjust(finance, worker=second_mother.pk, amount_fen=-1, reason="奖励", key="k")

    assert_refused(reused, 409, "idempotency_key_reused", before)
    assert reused.json()["error"]["details"] == {"key": "k"}
    assert (balance(company, first_mother), balance(company, second_mother)) == (777, 0)


@pytest.mark.parametrize(
    "change",
    [{"amount_fen": 778}, {"reason": "另一个原因"}, {"worker": "other"}, {"amount_fen": -777}],
)
def test_any_difference_in_the_body_is_a_different_request(finance, company, worked, change):
    first_mother, second_mother = worked
    body = {"worker": first_mother.pk, "amount_fen": 777, "reason": "奖励", "key": "k"}
    assert adjust(finance, **body).status_code == 201
    if change.get("worker") == "other":
        change = {"worker": second_mother.pk}
    before = world()

    assert_refused(adjust(finance, **{**body, **change}), 409, "idempotency_key_reused", before)


def test_the_same_key_and_body_answers_the_first_result_once(finance, company, mother, worked):
    body = {"worker": mother.pk, "amount_fen": 777, "reason": "奖励", "key": "k"}

    first = adjust(finance, **body)
    again = adjust(finance, **{**body, "reason": "  奖励 "})  # the same reason, as the service reads it

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).count() == 1
    assert balance(company, mother) == 777 and told(mother) == [777]
    assert AuditEntry.objects.filter(action="ledger.adjust").count() == 1


def test_keys_are_the_callers_own(finance, second_finance, company, mother, worked):
    body = {"worker": mother.pk, "amount_fen": 300, "reason": "奖励", "key": "k"}

    mine = adjust(finance, **body)
    theirs = adjust(second_finance, **body)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert balance(company, mother) == 600


def test_a_key_used_for_another_company_is_a_different_request(finance, company, other_company, mother, worked):
    from accounts.models import Membership

    Membership.objects.create(user=finance, company=other_company, role=Role.FINANCE)
    factories.worked_for(other_company, mother)
    body = {"worker": mother.pk, "amount_fen": 300, "reason": "奖励", "key": "k"}
    assert adjust(finance, company=company.pk, **body).status_code == 201
    before = world()

    assert_refused(adjust(finance, company=other_company.pk, **body), 409, "idempotency_key_reused", before)


def test_a_large_adjustment_retried_with_its_key_answers_the_waiting_request(finance, mother, worked):
    body = {"worker": mother.pk, "amount_fen": 80_000, "reason": "季度奖", "key": "q4"}

    first = adjust(finance, **body)
    again = adjust(finance, **body)

    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json() == again.json() and first.json()["status"] == "pending"
    assert AdjustmentRequest.objects.count() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 81])
def test_a_bad_key_is_a_400(finance, mother, worked, key):
    before = world()

    response = adjust(finance, worker=mother.pk, amount_fen=100, reason="奖励", key=key)

    assert_refused(response, 400, response.json()["error"]["code"], before)
    assert response.json()["error"]["code"] in ("invalid", "invalid_key")


# --- who may receive one --------------------------------------------------------------------


@pytest.fixture
def claimed_here(supervisor, company, assembly, slot):
    """A mother who has claimed a task of the company and nothing more (no account, no credit)."""
    her = factories.mother()
    task_services.task_claim_next(worker=her, project_id=assembly.pk, slot_id=slot.pk)
    return her


def test_a_mother_who_claimed_work_of_the_company_can_be_adjusted(finance, company, claimed_here):
    response = adjust(finance, worker=claimed_here.pk, amount_fen=100, reason="奖励")

    assert response.status_code == 201
    assert balance(company, claimed_here) == 100


def test_a_mother_with_an_account_at_the_company_can_be_adjusted(finance, company, mother, worked):
    assert adjust(finance, worker=mother.pk, amount_fen=100, reason="奖励").status_code == 201


@pytest.mark.parametrize("who", ["stranger", "elsewhere", "staff", "nobody"])
def test_no_adjustment_for_anyone_who_has_not_worked_for_the_company(finance, supervisor, other_company, company, who):
    if who == "stranger":  # a mother, but never here
        worker = factories.mother().pk
    elif who == "elsewhere":  # a mother with an account and a claim at another company only
        worker = factories.mother()
        factories.worked_for(other_company, worker)
        elsewhere = factories.staff(other_company, Role.SUPERVISOR)
        project = factories.project(elsewhere, other_company, tasks=1)
        task_services.task_claim_next(
            worker=worker, project_id=project.pk, slot_id=factories.slot(elsewhere, project).pk
        )
        worker = worker.pk
    elif who == "staff":  # the company's supervisor, no mother's profile
        factories.worked_for(company, supervisor)
        worker = supervisor.pk
    else:
        worker = 987_654
    before = world()

    assert_refused(adjust(finance, worker=worker, amount_fen=100, reason="奖励"), 404, "not_found", before)


# --- waiting for a second finance user ---------------------------------------------------------


@pytest.mark.parametrize(("amount", "posted"), [(50_000, True), (50_001, False), (-50_000, True), (-50_001, False)])
def test_above_the_threshold_an_adjustment_waits(finance, company, mother, worked, amount, posted):
    earn_earlier(finance, company, mother, 50_000, 50_000)

    response = adjust(finance, worker=mother.pk, amount_fen=amount, reason="调整")

    if posted:
        assert response.status_code == 201 and response.json()["kind"] == "adjustment"
        assert balance(company, mother) == 100_000 + amount
        return
    assert response.status_code == 202
    body = response.json()
    assert {k: body[k] for k in ("worker", "amount_fen", "reason", "status", "requested_by", "transaction")} == {
        "worker": mother.pk,
        "amount_fen": amount,
        "reason": "调整",
        "status": "pending",
        "requested_by": finance.pk,
        "transaction": None,
    }
    assert balance(company, mother) == 100_000  # nothing posted
    assert told(mother) == [50_000, 50_000]  # and she is not told
    entry = AuditEntry.objects.get(action="adjustment.request")
    assert entry.actor == finance and entry.data == {"worker": mother.pk, "amount_fen": amount}


def test_the_threshold_is_a_setting(settings, finance, mother, worked):
    settings.HOMESLOT_ADJUSTMENT_APPROVAL_FEN = 1_000

    assert adjust(finance, worker=mother.pk, amount_fen=1_000, reason="奖励").status_code == 201
    assert adjust(finance, worker=mother.pk, amount_fen=1_001, reason="奖励").status_code == 202


def test_the_threshold_comes_from_the_environment(tmp_path):
    env = {**os.environ, "HOMESLOT_ADJUSTMENT_APPROVAL_FEN": "12345", "HOMESLOT_VAR_DIR": str(tmp_path)}
    code = "import django; django.setup(); from ledger import adjustments; print(adjustments.approval_threshold_fen())"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "12345"


def test_the_direct_service_refuses_a_large_one_and_writes_nothing(finance, company, mother, worked):
    before = world()

    with pytest.raises(errors.ApprovalNeeded):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=50_001, reason="奖励"
        )

    assert world() == before


@pytest.fixture
def waiting(finance, mother, worked):
    return adjust(finance, worker=mother.pk, amount_fen=80_000, reason="季度奖").json()


def approve(user, request_id):
    return api_for(user).post(f"{URL}/{request_id}/approve", format="json")


def reject(user, request_id, **body):
    return api_for(user).post(f"{URL}/{request_id}/reject", body, format="json")


def test_a_second_finance_user_approves_it_and_it_is_posted_once(finance, second_finance, company, mother, waiting):
    first = approve(second_finance, waiting["id"])
    again = approve(second_finance, waiting["id"])

    assert (first.status_code, again.status_code) == (200, 200)
    body = first.json()
    assert body["status"] == "approved" and body["decided_by"] == second_finance.pk
    assert again.json() == body
    txn = Transaction.objects.get(kind=TransactionKind.ADJUSTMENT)
    assert str(txn.pk) == body["transaction"] and txn.key == f"adjustment:{waiting['id']}"
    assert txn.memo == "季度奖" and txn.worker_id == mother.pk
    assert balance(company, mother) == 80_000
    assert told(mother) == [80_000]
    assert list(AuditEntry.objects.filter(action__startswith="adjustment.").values_list("action", "actor")) == [
        ("adjustment.request", finance.pk),
        ("adjustment.approve", second_finance.pk),
    ]
    assert AuditEntry.objects.get(action="ledger.adjust").actor == second_finance


def test_the_requester_cannot_approve_her_own_request(finance, mother, waiting):
    before = world()

    assert_refused(approve(finance, waiting["id"]), 403, "approver_is_requester", before)


def test_the_mother_herself_cannot_approve_or_reject_it(finance, company, waiting):
    """A finance user who is also a mother of the company: the second person is never the payee."""
    her = factories.staff(company, Role.FINANCE)
    factories.WorkerProfileFactory(user=her)
    factories.worked_for(company, her)
    bonus = adjust(finance, worker=her.pk, amount_fen=60_000, reason="奖励").json()
    before = world()

    assert_refused(approve(her, bonus["id"]), 403, "own_adjustment", before)
    assert_refused(reject(her, bonus["id"], reason="不要"), 403, "own_adjustment", before)


def test_rejecting_posts_nothing_and_is_final(finance, second_finance, company, mother, waiting):
    assert reject(second_finance, waiting["id"]).json()["error"]["code"] == "invalid"  # a reason is needed

    rejected = reject(second_finance, waiting["id"], reason="金额不对")

    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason"] == "金额不对"
    assert balance(company, mother) == 0 and not told(mother)
    assert AuditEntry.objects.get(action="adjustment.reject").data == {"reason": "金额不对"}
    assert reject(second_finance, waiting["id"], reason="金额不对").status_code == 200  # again: no change
    before = world()
    assert_refused(approve(second_finance, waiting["id"]), 409, "wrong_state", before)


def test_the_requester_may_withdraw_it(finance, waiting):
    withdrawn = reject(finance, waiting["id"], reason="填错了")

    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "rejected"


def test_an_approved_one_cannot_be_rejected(finance, second_finance, waiting):
    approve(second_finance, waiting["id"])
    before = world()

    assert_refused(reject(second_finance, waiting["id"], reason="算了"), 409, "wrong_state", before)


def test_a_large_deduction_is_checked_again_when_it_is_approved(finance, second_finance, company, mother, worked):
    earn_earlier(finance, company, mother, 30_000, 30_000)
    deduction = adjust(finance, worker=mother.pk, amount_fen=-55_000, reason="多付")
    assert deduction.status_code == 202
    adjust(finance, worker=mother.pk, amount_fen=-10_000, reason="多付")  # posted at once: 50,000 left
    before = world()

    refused = approve(second_finance, deduction.json()["id"])

    assert_refused(refused, 409, "balance_too_low", before)
    assert refused.json()["error"]["details"]["balance_fen"] == 50_000
    assert AdjustmentRequest.objects.get(pk=deduction.json()["id"]).status == AdjustmentStatus.PENDING


def test_a_large_deduction_beyond_her_balance_is_refused_at_once(finance, company, mother, worked):
    before = world()

    assert_refused(adjust(finance, worker=mother.pk, amount_fen=-60_000, reason="多付"), 409, "balance_too_low", before)


def test_the_list_shows_waiting_ones_first_and_only_the_companys(
    finance, second_finance, company, other_company, mother, worked, supervisor
):
    small = adjust(finance, worker=mother.pk, amount_fen=100, reason="奖励")
    first = adjust(finance, worker=mother.pk, amount_fen=70_000, reason="一").json()
    second = adjust(finance, worker=mother.pk, amount_fen=90_000, reason="二").json()
    approve(second_finance, first["id"])

    listed = api_for(second_finance).get(URL).json()

    assert [(row["reason"], row["status"]) for row in listed["results"]] == [
        ("二", "pending"),
        ("一", "approved"),
        ("奖励", "posted"),
    ]
    assert listed["results"][2]["transaction"] == small.json()["id"]
    row = listed["results"][0]
    assert row["amount_display"] == "¥900.00" and row["worker_phone"].count("*") == 4
    assert api_for(second_finance).get(f"{URL}?status=pending").json()["count"] == 1
    outsider = factories.staff(other_company, Role.FINANCE)
    assert api_for(outsider).get(URL).json()["count"] == 0
    assert approve(outsider, second["id"]).status_code == 404
    assert reject(outsider, second["id"], reason="x").status_code == 404
    assert api_for(supervisor).get(URL).status_code == 403
    assert approve(supervisor, second["id"]).status_code == 403
    assert api_for(mother).get(URL).status_code == 403


def test_the_database_refuses_an_approval_by_the_requester_or_the_mother(
    finance, second_finance, company, mother, waiting
):
    from django.db import IntegrityError, transaction

    from ledger.models import AccountKind, Direction
    from ledger.services import Leg, account_for, transaction_post

    txn, _ = transaction_post(
        key="a-posting-of-its-own",
        kind=TransactionKind.ADJUSTMENT,
        company_id=company.pk,
        legs=[
            Leg(account_for(company_id=company.pk, kind=AccountKind.EXPENSE), Direction.DEBIT, 1),
            Leg(account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=mother.pk), Direction.CREDIT, 1),
        ],
    )
    rows = AdjustmentRequest.objects.filter(pk=waiting["id"])
    for approver in (finance, mother):
        with pytest.raises(IntegrityError, match="adjustment_approved_by_another"), transaction.atomic():
            rows.update(status=AdjustmentStatus.APPROVED, decided_by=approver, transaction=txn)
    with pytest.raises(IntegrityError, match="adjustment_posted_iff_transaction"), transaction.atomic():
        rows.update(status=AdjustmentStatus.POSTED)
    rows.update(status=AdjustmentStatus.APPROVED, decided_by=second_finance, transaction=txn)  # a second person
    assert rows.get().status == AdjustmentStatus.APPROVED


def test_small_adjustments_to_one_mother_in_a_day_add_up_against_the_threshold(finance, company, worked):
    """Splitting a ¥900 bonus into three of ¥300 does not get past the second finance user: what was
    posted to her alone today counts with each new one."""
    mother, other = worked

    answers = [adjust(finance, worker=mother.pk, amount_fen=30000, reason="奖励") for _ in range(3)]
    elsewhere = adjust(finance, worker=other.pk, amount_fen=30000, reason="奖励")

    assert [a.status_code for a in answers] == [201, 202, 202]
    assert balance(company, mother) == 30000
    assert AdjustmentRequest.objects.filter(worker=mother, status=AdjustmentStatus.PENDING).count() == 2
    assert elsewhere.status_code == 201  # another mother's adjustments are counted apart

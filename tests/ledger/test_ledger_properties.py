"""Property-based: random sequences of credits, adjustments, reversals and payouts; after every
step every transaction balances, total debits equal total credits, no balance is negative, the
balances recomputed from the postings equal the reported ones and a simple model's, money is
whole fen."""

import datetime
from collections import defaultdict

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from accounts.models import Role
from ledger import adjustments, errors, payouts, reversals, selectors
from ledger.models import AccountKind, AdjustmentStatus, Direction, Posting, Transaction, TransactionKind
from ledger.services import Leg, account_for, transaction_post
from tests import factories

START = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai
MOTHERS = 3


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        # Part of the test harness, as a test case's own blocks are: the services called in one
        # example are separate transactions for the lock-order check (core.locks).
        self._atomic._from_testcase = True
        self._atomic.__enter__()  # each example runs in a savepoint, rolled back in teardown
        self.day = 0
        self.clock = time_machine.travel(START, tick=False)
        self.traveller = self.clock.start()
        self.company = factories.CompanyFactory()
        self.finance = [factories.staff(self.company, Role.FINANCE) for _ in range(2)]
        self.mothers = [factories.mother() for _ in range(MOTHERS)]
        for worker in self.mothers:
            factories.worked_for(self.company, worker)
        self.expected = defaultdict(int)  # the model: what the company owes each mother
        self.reversible: list[tuple[Transaction, int, int]] = []  # (txn, mother index, payable change)
        self.reversed: set = set()
        self.waiting: list = []  # (adjustment request, mother index, fen) waiting for approval
        self.alone = defaultdict(int)  # (day, mother index) → fen posted to her without a second person
        self.causes = 0

    def teardown(self):
        self.clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- steps -------------------------------------------------------------------

    @rule(mother=st.integers(0, MOTHERS - 1), fen=st.integers(1, 500_000))
    def earn(self, mother, fen):
        """Accepted work credited (the posting a review makes)."""
        self.causes += 1
        worker = self.mothers[mother]
        txn, created = transaction_post(
            key=f"review:prop-{self.causes}",
            kind=TransactionKind.EARNING,
            company_id=self.company.pk,
            legs=[
                Leg(account_for(company_id=self.company.pk, kind=AccountKind.EXPENSE), Direction.DEBIT, fen),
                Leg(
                    account_for(company_id=self.company.pk, kind=AccountKind.PAYABLE, worker_id=worker.pk),
                    Direction.CREDIT,
                    fen,
                ),
            ],
            worker_id=worker.pk,
            units=1,
        )
        assert created
        self.expected[mother] += fen
        self.reversible.append((txn, mother, -fen))

    @rule(mother=st.integers(0, MOTHERS - 1), fen=st.integers(-500_000, 500_000).filter(bool))
    def adjust(self, mother, fen):
        """Beyond the approval threshold (¥500 posted to her alone in a day) it waits for the second
        finance user."""
        try:
            request, _ = adjustments.adjustment_request(
                actor=self.finance[0],
                company_id=self.company.pk,
                worker_id=self.mothers[mother].pk,
                amount_fen=fen,
                reason="调整",
            )
        except errors.BalanceTooLow:
            assert -fen > self.expected[mother]
            return
        assert self.expected[mother] + fen >= 0
        if abs(fen) + self.alone[self.day, mother] > adjustments.approval_threshold_fen():
            assert request.status == AdjustmentStatus.PENDING and request.transaction is None
            self.waiting.append((request, mother, fen))
            return
        self.alone[self.day, mother] += abs(fen)
        self.expected[mother] += fen
        self.reversible.append((request.transaction, mother, -fen))

    @precondition(lambda self: self.waiting)
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data, approve):
        """The second finance user approves (her balance checked again) or rejects a waiting one."""
        request, mother, fen = data.draw(st.sampled_from(self.waiting))
        if not approve:
            adjustments.adjustment_reject(actor=self.finance[1], request_id=request.pk, reason="不批")
            self.waiting.remove((request, mother, fen))
            return
        try:
            decided = adjustments.adjustment_approve(actor=self.finance[1], request_id=request.pk)
        except errors.BalanceTooLow:
            assert -fen > self.expected[mother]
            return
        self.waiting.remove((request, mother, fen))
        self.expected[mother] += fen
        self.reversible.append((decided.transaction, mother, -fen))

    @precondition(lambda self: self.reversible)
    @rule(data=st.data())
    def reverse(self, data):
        txn, mother, change = data.draw(st.sampled_from(self.reversible))
        try:
            reversals.transaction_reverse(actor=self.finance[1], transaction_id=txn.pk, reason="冲销")
        except errors.BalanceTooLow:
            assert txn.pk not in self.reversed and self.expected[mother] + change < 0
            return
        if txn.pk not in self.reversed:
            self.reversed.add(txn.pk)
            self.expected[mother] += change

    @rule()
    def settle(self):
        """A day passes; yesterday is settled: draft, approve (by the other), pay."""
        self.day += 1
        self.traveller.move_to(START + datetime.timedelta(days=self.day))
        yesterday = (START + datetime.timedelta(days=self.day - 1)).date()
        try:
            batch = payouts.payout_draft(
                actor=self.finance[0], company_id=self.company.pk, period_start=yesterday, period_end=yesterday
            )
        except errors.NothingToPay:
            assert not any(v > 0 for v in self.expected.values())
            return
        payouts.payout_approve(actor=self.finance[1], batch_id=batch.pk)
        payouts.payout_mark_paid(actor=self.finance[0], batch_id=batch.pk, reference=f"B{self.day}")
        paid = {line.worker_id: line.amount_fen for line in batch.lines.all()}
        for index, worker in enumerate(self.mothers):
            assert paid.get(worker.pk, 0) == max(self.expected[index], 0)
            self.expected[index] -= paid.get(worker.pk, 0)

    # --- invariants -------------------------------------------------------------------

    @invariant()
    def every_transaction_balances(self):
        sums = defaultdict(lambda: {Direction.DEBIT: 0, Direction.CREDIT: 0})
        for txn_id, direction, amount in Posting.objects.values_list("transaction_id", "direction", "amount_fen"):
            assert isinstance(amount, int) and amount > 0
            sums[txn_id][direction] += amount
        assert all(s[Direction.DEBIT] == s[Direction.CREDIT] for s in sums.values())
        totals = dict(Posting.objects.values_list("direction").annotate(total=Sum("amount_fen")))
        assert totals.get(Direction.DEBIT, 0) == totals.get(Direction.CREDIT, 0)

    @invariant()
    def balances_agree_and_are_never_negative(self):
        recomputed = defaultdict(int)
        payable = Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__company=self.company)
        for worker_id, direction, amount in payable.values_list("account__worker_id", "direction", "amount_fen"):
            recomputed[worker_id] += amount if direction == Direction.CREDIT else -amount
        reported = selectors.payable_balances(company_id=self.company.pk)
        for index, worker in enumerate(self.mothers):
            assert recomputed[worker.pk] == reported.get(worker.pk, 0) == self.expected[index]
            assert recomputed[worker.pk] >= 0


@pytest.mark.django_db
def test_ledger_invariants_hold_for_any_sequence():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )

"""Each indicator of the 妈妈岗 standard from a constructed history with a known answer, at and just
past its threshold; too few events say so instead of a number."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from ledger import adjustments
from standards import indicators
from tasks import services
from tests import factories
from tests.standards.history import History, at

NOW = at(datetime.date(2026, 11, 30), 12)  # the window: 2026-09-01 12:00 to now
OCTOBER_WEEKDAYS = [datetime.date(2026, 10, d) for d in range(5, 31) if datetime.date(2026, 10, d).weekday() < 5]


def measured(company) -> dict:
    return {i["key"]: i for i in indicators.measure(company.pk, now=NOW)["indicators"]}


@pytest.fixture
def history(company, supervisor):
    return History(company, supervisor)


def _days(n):
    return [OCTOBER_WEEKDAYS[i % len(OCTOBER_WEEKDAYS)] for i in range(n)]


def test_measured_pay_its_median_tenth_percentile_and_the_share_at_the_floor(company, history):
    # ¥15 a brief: 16 done in 30 minutes (¥30/h), 4 in an hour (¥15/h); the floor in 广州市 is ¥23.70.
    for day in _days(16):
        history.piece(at(day, 9), minutes=30)
    for day in _days(4):
        history.piece(at(day, 10), minutes=60)

    found = measured(company)
    assert found["hourly_pay"]["value"] == "30.00"
    assert found["hourly_pay"]["met"] is True
    assert found["hourly_pay"]["detail"] == {"median": "30.00", "p10": "15.00", "floor_median": "23.70"}
    assert found["paid_at_floor"]["value"] == 0.8  # 16 of 20: exactly the threshold
    assert found["paid_at_floor"]["met"] is True

    history.piece(at(OCTOBER_WEEKDAYS[0], 11), minutes=60)
    found = measured(company)
    assert found["paid_at_floor"]["value"] == round(16 / 21, 4)
    assert found["paid_at_floor"]["met"] is False
    assert indicators.card_line(list(found.values())).endswith("¥30")


def test_too_few_hand_ins_show_no_figure(company, history):
    for day in _days(19):
        history.piece(at(day, 9), minutes=30)

    pay = measured(company)["hourly_pay"]
    assert pay == pay | {"value": None, "met": None, "enough": False, "events": 19, "minimum": 20}
    assert indicators.shown(pay)["display"] == ""
    assert indicators.card_line([pay]) == ""


def test_review_time_silence_and_rejections(company, history):
    for day in _days(15):
        history.piece(at(day, 9), review_hours=2)
    for day in _days(3):
        history.piece(at(day, 10), decision="reject", review_hours=2)
    for day in _days(2):
        history.piece(at(day, 11), review_hours=None)  # accepted by silence after the 48-hour window

    found = measured(company)
    assert found["review_time"]["detail"]["p50_hours"] == 2.0
    assert found["review_time"]["value"] == pytest.approx(2 + 0.1 * 46.02, abs=0.1)  # the 90th percentile
    assert found["review_time"]["met"] is True
    assert (found["auto_accepted"]["value"], found["auto_accepted"]["met"]) == (0.1, True)
    assert (found["rejected"]["value"], found["rejected"]["met"]) == (0.15, True)

    history.piece(at(OCTOBER_WEEKDAYS[3], 14), review_hours=None)
    history.piece(at(OCTOBER_WEEKDAYS[4], 14), decision="reject", review_hours=2)
    found = measured(company)
    assert (found["auto_accepted"]["value"], found["auto_accepted"]["met"]) == (round(3 / 22, 4), False)
    assert (found["rejected"]["value"], found["rejected"]["met"]) == (round(4 / 22, 4), False)


def test_ninety_per_cent_reviewed_within_two_days(company, history):
    for day in _days(20):
        history.piece(at(day, 9), review_hours=47)
    for day in _days(2):
        history.piece(at(day, 11), review_hours=None)  # 48 h and a minute each
    found = measured(company)["review_time"]
    assert (found["detail"]["within_48h"], found["met"]) == (round(20 / 22, 4), True)
    history.piece(at(OCTOBER_WEEKDAYS[5], 11), review_hours=None)
    found = measured(company)["review_time"]
    assert (found["detail"]["within_48h"], found["met"]) == (round(20 / 23, 4), False)


@pytest.mark.parametrize(
    ("paid_on", "on_time", "worst", "worst_met"),
    [
        (datetime.date(2026, 10, 16), 1.0, 11, True),
        (datetime.date(2026, 10, 30), 1.0, 25, True),  # the last day: 15 days after 15 October
        (datetime.date(2026, 11, 3), 0.0, 29, True),
        (datetime.date(2026, 11, 6), 0.0, 32, False),
    ],
)
def test_settlement_on_time_and_the_longest_wait(company, finance, history, paid_on, on_time, worst, worst_met):
    # Credited on 5 October: its half-month ends on the 15th, so it is on time if paid by 30 October.
    approver = factories.staff(company, Role.FINANCE)
    for _ in range(10):
        history.credit(finance, factories.mother(), at(datetime.date(2026, 10, 5), 10))
    history.pay(finance, approver, at(paid_on, 10), (datetime.date(2026, 10, 1), datetime.date(2026, 10, 15)))

    found = measured(company)
    assert (found["settled_on_time"]["value"], found["settled_on_time"]["met"]) == (on_time, on_time == 1.0)
    assert (found["worst_settlement"]["value"], found["worst_settlement"]["met"]) == (worst, worst_met)


def test_a_credit_never_paid_waits_until_now(company, finance, history):
    for _ in range(10):
        history.credit(finance, factories.mother(), at(datetime.date(2026, 10, 5), 10))
    found = measured(company)
    assert found["settled_on_time"]["value"] == 0.0
    assert found["worst_settlement"]["value"] == 57  # 5 October 10:00 to 30 November 12:00, rounded up
    assert found["worst_settlement"]["met"] is False


def test_credits_not_yet_due_are_not_judged_until_paid(company, finance, history):
    mothers = [factories.mother() for _ in range(10)]
    for mother in mothers:
        history.credit(finance, mother, at(datetime.date(2026, 11, 3), 10))  # due by 30 November's end
    assert measured(company)["settled_on_time"]["enough"] is False
    history.pay(
        finance,
        factories.staff(company, Role.FINANCE),
        at(datetime.date(2026, 11, 20), 10),
        (datetime.date(2026, 11, 1), datetime.date(2026, 11, 15)),
    )
    found = measured(company)["settled_on_time"]
    assert (found["value"], found["met"], found["events"]) == (1.0, True, 10)


def test_slots_that_fit_a_mothers_day(company, history):
    monday = datetime.date(2026, 10, 5)
    for hour in (9, 10, 13):  # school hours
        history.slot(at(monday, hour), hours=2)
    for day in range(3):  # evenings, the weekend too
        history.slot(at(monday + datetime.timedelta(days=day + 3), 19, 30), hours=2)
    for hour in (15, 16, 17, 7):  # past 15:30, before the evening, before school
        history.slot(at(monday + datetime.timedelta(days=1), hour), hours=2)
    found = measured(company)["flexible_slots"]
    assert (found["value"], found["met"]) == (0.6, True)

    history.slot(at(monday + datetime.timedelta(days=2), 16), hours=2)
    found = measured(company)["flexible_slots"]
    assert (found["value"], found["met"]) == (round(6 / 11, 4), False)


def test_a_deduction_soon_after_a_free_release_counts_against_the_company(company, finance, history):
    workers = []
    for day in _days(5):
        slot = history.slot(at(day, 14))
        worker = factories.mother()
        with time_machine.travel(at(day, 9), tick=False):
            claim = services.task_claim_next(
                worker=worker, project_id=history.project.pk, slot_id=slot.pk, confirm_outside_availability=True
            )
            services.claim_release(worker=worker, claim_id=claim.pk)  # before the slot: free
        workers.append((worker, day))
    found = measured(company)["releases_honoured"]
    assert (found["value"], found["met"], found["events"]) == (1.0, True, 5)

    worker, day = workers[0]
    history.credit(finance, worker, at(day - datetime.timedelta(days=1), 10))  # a bonus, then a deduction
    with time_machine.travel(at(day + datetime.timedelta(days=2), 10), tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=worker.pk, amount_fen=-500, reason="临时退单"
        )
    found = measured(company)["releases_honoured"]
    assert (found["value"], found["met"]) == (0.8, False)


def test_pay_taken_back_by_a_deduction_was_not_paid_on_time(company, finance, history):
    mothers = [factories.mother() for _ in range(10)]
    for mother in mothers:
        history.credit(finance, mother, at(datetime.date(2026, 10, 5), 10))
    with time_machine.travel(at(datetime.date(2026, 10, 20), 10), tick=False):
        for mother in mothers:
            adjustments.adjustment_post(
                actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=-1000, reason="扣款"
            )
    found = measured(company)["settled_on_time"]
    assert (found["value"], found["met"], found["events"]) == (0.0, False, 10)

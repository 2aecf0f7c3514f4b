"""When she will be paid: each company's settlement schedule (pay within N days after each
half-month) and her oldest credit not yet in a payout give the date her 我的收入 page shows; a company
admin sets N (1–15) on /work/company/."""

import datetime
import re

import pytest
import time_machine
from django.test import Client

from accounts import companies
from accounts.models import AuditEntry, Company, Role
from core.errors import Invalid, NotFound
from ledger import adjustments, payouts, selectors
from tests import factories
from tests.conftest import api_for
from tests.snapshots import world

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def on(day: datetime.date, hour=10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def credit(company, finance, mother):
    factories.worked_for(company, mother)

    def credit_on(day: datetime.date, fen: int = 300):
        with time_machine.travel(on(day), tick=False):
            adjustments.adjustment_post(
                actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=fen, reason="计件"
            )

    return credit_on


def due(mother, today: datetime.date):
    return selectors.expected_pay_dates(mother, selectors.balances_for_worker(mother), today=today)


def test_a_credit_is_due_the_schedules_days_after_its_half_month(company, mother, credit):
    credit(datetime.date(2026, 12, 3))

    assert due(mother, datetime.date(2026, 12, 3)) == {company.pk: datetime.date(2026, 12, 20)}  # 15th + 5 days
    Company.objects.filter(pk=company.pk).update(settlement_days=10)
    assert due(mother, datetime.date(2026, 12, 3)) == {company.pk: datetime.date(2026, 12, 25)}


def test_the_oldest_credit_not_yet_paid_sets_the_date(company, finance, mother, credit):
    credit(datetime.date(2026, 11, 20))
    credit(datetime.date(2026, 12, 3))
    with time_machine.travel(on(datetime.date(2026, 12, 2)), tick=False):
        batch = payouts.payout_draft(
            actor=finance,
            company_id=company.pk,
            period_start=datetime.date(2026, 11, 16),
            period_end=datetime.date(2026, 11, 30),
        )
    # Drafted, then approved, not paid: the 20 November credit is still owed, due 30 November + 5 days.
    assert due(mother, datetime.date(2026, 12, 6)) == {company.pk: datetime.date(2026, 12, 5)}
    payouts.payout_approve(actor=factories.staff(company, Role.FINANCE), batch_id=batch.pk)
    assert due(mother, datetime.date(2026, 12, 6)) == {company.pk: datetime.date(2026, 12, 5)}

    payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="BANK-1")
    assert due(mother, datetime.date(2026, 12, 6)) == {company.pk: datetime.date(2026, 12, 20)}


def test_a_deduction_covers_the_oldest_credits_first(company, mother, credit):
    credit(datetime.date(2026, 11, 2), fen=300)  # covered by the deduction below: not late
    credit(datetime.date(2026, 11, 20), fen=300)
    credit(datetime.date(2026, 11, 21), fen=-300)

    assert due(mother, datetime.date(2026, 11, 22)) == {company.pk: datetime.date(2026, 12, 5)}


def test_the_api_gives_the_date_too(company, mother, credit):
    credit(datetime.date(2026, 12, 3))
    with time_machine.travel(on(datetime.date(2026, 12, 4)), tick=False):
        body = api_for(mother).get("/api/v1/earnings").json()

    assert body["companies"][0]["expected_by"] == "2026-12-20"


def test_nothing_owed_has_no_date(company, mother, credit, finance):
    credit(datetime.date(2026, 12, 3), fen=300)
    credit(datetime.date(2026, 12, 4), fen=-300)

    assert due(mother, datetime.date(2026, 12, 4)) == {}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_her_earnings_page_shows_the_date_the_amounts_on_the_bars_and_says_when_late(company, mother, credit):
    mother.worker_profile.youngest_birth_year = 2021
    mother.worker_profile.save()
    credit(datetime.date(2026, 11, 20), fen=928)
    phone = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    phone.force_login(mother)

    with time_machine.travel(on(datetime.date(2026, 11, 24)), tick=False):
        response = phone.get("/m/earnings/")
    assert "预计 12月5日 周六 前到账" in text_of(response)
    assert re.search(r'<text class="amount"[^>]*>¥9\.28</text>', response.content.decode())  # on its bar

    with time_machine.travel(on(datetime.date(2026, 12, 7)), tick=False):
        late = phone.get("/m/earnings/").content.decode()
    assert 'class="late"' in late and "应于 12月5日 周六 前到账，还没付" in text_of_html(late)
    assert "chart-empty" not in late


def text_of_html(source: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", source))


def test_an_empty_chart_says_so(mother):
    mother.worker_profile.youngest_birth_year = 2021
    mother.worker_profile.save()
    phone = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    phone.force_login(mother)

    page = text_of(phone.get("/m/earnings/"))

    assert "这 8 周还没有收入" in page


# --- the admin sets the schedule ------------------------------------------------------------


def test_only_its_admin_sets_the_schedule_within_1_to_15_days(company, supervisor, mother):
    admin = factories.staff(company, Role.ADMIN)
    before = world()
    for days in (0, 16, "5", True, None):
        with pytest.raises(Invalid):
            companies.company_settlement_set(actor=admin, company_id=company.pk, days=days)
    with pytest.raises(NotFound):
        companies.company_settlement_set(actor=supervisor, company_id=company.pk, days=7)
    assert world() == before

    companies.company_settlement_set(actor=admin, company_id=company.pk, days=7)

    company.refresh_from_db()
    assert company.settlement_days == 7
    assert AuditEntry.objects.filter(action="company.settlement", company_id=company.pk).count() == 1


def test_the_company_page_sets_it_and_refuses_a_wrong_number_in_words(company):
    admin = factories.staff(company, Role.ADMIN)
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(admin)
    url = f"/work/company/{company.pk}/settlement"

    wrong = browser.post(url, {"settlement_days": "30"}, follow=True)
    assert "请填 1 到 15 天" in text_of(wrong)
    for odd in ("x" * 5000, "²", "٣", "-1"):
        assert browser.post(url, {"settlement_days": odd}).status_code == 302, odd  # refused in words, not a 500
    saved = browser.post(url, {"settlement_days": "10"}, follow=True)

    assert "已保存：每半月结束后 10 天内付款。" in text_of(saved)
    company.refresh_from_db()
    assert company.settlement_days == 10

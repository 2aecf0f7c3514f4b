"""The finance pages (server-rendered, session sign-in): what finance staff see and do."""

import datetime

import pytest
import time_machine
from django.test import Client

from accounts.models import Role
from ledger import adjustments, payouts
from ledger.models import PayoutBatch, PayoutStatus
from tests import factories

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owed(company, finance, mother):
    mother.worker_profile.display_name = "李妈妈"
    mother.worker_profile.save()
    factories.worked_for(company, mother)
    with time_machine.travel(NOV_5, tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=4_250, reason="计件"
        )
    return mother


def test_sign_in_with_a_phone_number_as_people_write_it(finance):
    client = Client()
    wrong = client.post("/signin/", {"phone": "138 0000 9999", "password": "nope-nope"})
    assert wrong.status_code == 200 and "不对" in wrong.content.decode()

    phone = finance.phone[3:]
    right = client.post(
        "/signin/?next=/finance/", {"phone": f"{phone[:3]} {phone[3:7]} {phone[7:]}", "password": factories.PASSWORD}
    )
    assert right.status_code == 302 and right["Location"] == "/finance/"
    assert client.get("/finance/").status_code == 200


def test_pages_need_a_sign_in_and_a_finance_role(supervisor, mother):
    assert Client().get("/finance/")["Location"].startswith("/signin/")
    for user in (supervisor, mother):
        assert signed_in(user).get("/finance/").status_code == 404
        assert signed_in(user).get("/finance/batches/").status_code == 404


def test_the_ledger_page_shows_totals_a_chart_and_the_exports(finance, company, owed):
    with time_machine.travel(NOV_20, tick=False):
        page = (
            signed_in(finance).get(f"/finance/?company={company.pk}&start=2026-11-01&end=2026-11-15").content.decode()
        )
    assert "¥42.50" in page and "<svg" in page and "<rect" in page
    assert "/api/v1/ledger/export?company=" in page and "format=xlsx" in page


def test_the_ledger_opens_on_the_half_month_with_entries_and_says_so(finance, company, owed):
    # 3 December: the last half-month that ended (16–30 November) has no entries; 1–15 November has.
    with time_machine.travel(datetime.datetime(2026, 12, 3, 10, tzinfo=datetime.UTC), tick=False):
        page = signed_in(finance).get(f"/finance/?company={company.pk}").content.decode()
        asked = signed_in(finance).get(f"/finance/?company={company.pk}&start=2026-11-16&end=2026-11-30")

    assert "¥42.50" in page and "上一个已结束的半月没有流水" in page and 'value="2026-11-01"' in page
    assert "chart-empty" not in page
    chosen = asked.content.decode()  # a period she asked for stays hers, and an empty chart says so
    assert "上一个已结束的半月没有流水" not in chosen and "这一期没有给妈妈们入账，所以图表是空的。" in chosen


def test_a_batch_from_draft_to_paid_through_the_pages(finance, company, owed):
    colleague = factories.staff(company, Role.FINANCE)
    with time_machine.travel(NOV_20, tick=False):
        drafted = signed_in(finance).post(
            "/finance/batches/draft", {"company": company.pk, "start": "2026-11-01", "end": "2026-11-15"}
        )
        batch = PayoutBatch.objects.get()
        assert drafted["Location"] == f"/finance/batches/{batch.pk}/"
        page = signed_in(finance).get(drafted["Location"]).content.decode()
        assert "李妈妈" in page and "¥42.50" in page

        refused = signed_in(finance).post(f"/finance/batches/{batch.pk}/approve", follow=True).content.decode()
        assert "另一位财务人员" in refused  # the creator cannot approve
        signed_in(colleague).post(f"/finance/batches/{batch.pk}/approve")
        signed_in(finance).post(f"/finance/batches/{batch.pk}/mark-paid", {"reference": "ICBC-77"})

    batch.refresh_from_db()
    assert batch.status == PayoutStatus.PAID and batch.bank_reference == "ICBC-77"
    assert "ICBC-77" in signed_in(finance).get(f"/finance/batches/{batch.pk}/").content.decode()


def test_the_reconciliation_page_says_plainly_that_it_adds_up(finance, company, owed):
    with time_machine.travel(datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC), tick=False):
        page = signed_in(finance).get(f"/finance/reconciliation/?company={company.pk}&start=2026-11-01&end=2026-11-30")
    text = page.content.decode()
    assert "李妈妈" in text and "✓" in text
    assert "超过 15 天" in text  # 4,250 fen credited on 5 November, unpaid on 1 December


def test_finance_of_another_company_sees_nothing(finance, company, other_company, owed):
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
    theirs = signed_in(factories.staff(other_company, Role.FINANCE))
    assert theirs.get(f"/finance/batches/{batch.pk}/").status_code == 404
    assert theirs.post(f"/finance/batches/{batch.pk}/approve").status_code == 404
    page = theirs.get(f"/finance/?company={company.pk}").content.decode()
    assert company.name not in page  # falls back to their own company


def test_odd_dates_on_the_pages_fall_back_to_the_default_period(finance):
    assert signed_in(finance).get("/finance/?start=9999-12-01&end=9999-12-31").status_code == 200
    assert signed_in(finance).get("/finance/reconciliation/?start=0001-01-01&end=0001-01-02").status_code == 200


def test_sign_in_attempts_are_limited_like_the_api(finance):
    client = Client()
    codes = [client.post("/signin/", {"phone": "13800009999", "password": "wrong-guess"}).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[-1] == 429


def test_an_overdue_mother_is_named_even_if_nothing_moved_in_the_period(finance, company, owed):
    with time_machine.travel(datetime.datetime(2027, 1, 10, tzinfo=datetime.UTC), tick=False):
        page = signed_in(finance).get(f"/finance/reconciliation/?company={company.pk}&start=2026-12-01&end=2026-12-31")
    assert "李妈妈 · ¥42.50" in page.content.decode()

"""The finance pages in a real browser at 360 px: sign in, see the period, settle a batch with two people."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from ledger import adjustments
from ledger.models import PayoutBatch, PayoutStatus
from tests import factories
from tests.browser.pages import fits_the_phone, sign_in

# The live server needs committed data; on SQLite the flush after the test would be a DELETE,
# which the ledger's append-only triggers refuse (PostgreSQL truncates instead).
pytestmark = [pytest.mark.django_db(transaction=True)]
CREDITED_AT = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)


@pytest.fixture
def owed(on_postgres, company, finance, mother):
    mother.worker_profile.display_name = "李妈妈"
    mother.worker_profile.save()
    factories.worked_for(company, mother)
    with time_machine.travel(CREDITED_AT, tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=4_250, reason="计件"
        )
    return mother


def test_two_finance_staff_settle_a_batch_on_their_phones(owed, company, finance, live_server, phone):
    colleague = factories.staff(company, Role.FINANCE)
    base = live_server.url
    start = datetime.date(2026, 11, 1)
    end = datetime.date(2026, 11, 15)

    mine = phone()
    sign_in(mine, base, finance, f"/finance/?company={company.pk}&start={start}&end={end}")
    assert "¥42.50" in mine.inner_text("body")
    assert mine.locator("svg.chart rect").count() == 15  # one bar per day of the period
    assert fits_the_phone(mine)

    mine.goto(f"{base}/finance/batches/?company={company.pk}&start={start}&end={end}")
    mine.get_by_role("button", name="起草发放批次").click()
    mine.wait_for_url("**/finance/batches/*/")
    assert "李妈妈" in mine.inner_text("table") and fits_the_phone(mine)
    # Not by the one who drafted it: no 批准 button she may not use, and the words why.
    assert mine.get_by_role("button", name="批准", exact=True).count() == 0
    assert "等待另一位财务审批" in mine.inner_text("#approve-by-other")

    batch = PayoutBatch.objects.get()
    theirs = phone()
    sign_in(theirs, base, colleague, f"/finance/batches/{batch.pk}/")
    theirs.get_by_role("button", name="批准", exact=True).click()
    theirs.get_by_role("button", name="标记为已发放").wait_for()
    theirs.fill("input[name=reference]", "ICBC-2026-11")
    theirs.get_by_role("button", name="标记为已发放").click()
    theirs.wait_for_selector(".steps li.done >> nth=3")

    batch.refresh_from_db()
    assert batch.status == PayoutStatus.PAID and batch.bank_reference == "ICBC-2026-11"
    assert "ICBC-2026-11" in theirs.inner_text(".steps")

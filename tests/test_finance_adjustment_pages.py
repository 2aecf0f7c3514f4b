"""The finance pages' adjustments: what waits for a second finance user, approved or turned down
by button, in Chinese; the refusals of the service said in words, nothing changed."""

import pytest
from django.test import Client

from accounts.models import Role
from ledger import adjustments, selectors
from ledger.models import AdjustmentRequest, AdjustmentStatus
from tests import factories
from tests.snapshots import world


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def waiting(company, finance, mother):
    mother.worker_profile.display_name = "李妈妈"
    mother.worker_profile.save()
    factories.worked_for(company, mother)
    adjustments.adjustment_post(
        actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=300, reason="好评"
    )
    request, _ = adjustments.adjustment_request(
        actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=88_800, reason="季度奖"
    )
    return request


def test_the_page_lists_what_waits_first_with_its_buttons(finance, company, waiting):
    page = signed_in(finance).get(f"/finance/adjustments/?company={company.pk}").content.decode()

    assert "待批准：1 笔" in page and "超过 ¥500.00 的调整要等另一位财务人员批准" in page
    assert page.index("季度奖") < page.index("好评")  # waiting first
    assert "¥888.00" in page and "李妈妈" in page and "已入账" in page
    assert f'action="/finance/adjustments/{waiting.pk}/approve"' in page and "驳回" in page
    assert 'href="/finance/adjustments/?company=' in page  # in the navigation


def test_a_second_finance_user_approves_it_by_button(finance, company, mother, waiting):
    colleague = factories.staff(company, Role.FINANCE)

    done = signed_in(colleague).post(f"/finance/adjustments/{waiting.pk}/approve", follow=True)

    assert "已批准并入账" in done.content.decode()
    assert AdjustmentRequest.objects.get(pk=waiting.pk).status == AdjustmentStatus.APPROVED
    assert selectors.payable_balances(company_id=company.pk)[mother.pk] == 89_100


def test_the_requester_is_told_in_words_and_nothing_changes(finance, waiting):
    before = world()

    refused = signed_in(finance).post(f"/finance/adjustments/{waiting.pk}/approve", follow=True)

    assert "调整须由提出人以外的另一位财务人员批准" in refused.content.decode()
    assert world() == before


def test_turning_it_down_needs_a_reason_and_posts_nothing(finance, company, mother, waiting):
    colleague = signed_in(factories.staff(company, Role.FINANCE))
    before = world()

    no_reason = colleague.post(f"/finance/adjustments/{waiting.pk}/reject", {"reason": " "}, follow=True)
    assert "请填写原因（最多 200 字）。" in no_reason.content.decode()
    assert world() == before
    done = colleague.post(f"/finance/adjustments/{waiting.pk}/reject", {"reason": "金额不对"}, follow=True)

    text = done.content.decode()
    assert "已驳回：没有入账" in text and "金额不对" in text
    assert selectors.payable_balances(company_id=company.pk)[mother.pk] == 300


def test_others_reach_nothing(company, other_company, supervisor, mother, waiting):
    outsider = signed_in(factories.staff(other_company, Role.FINANCE))
    before = world()

    assert outsider.post(f"/finance/adjustments/{waiting.pk}/approve").status_code == 404
    assert "季度奖" not in outsider.get(f"/finance/adjustments/?company={company.pk}").content.decode()
    for user in (supervisor, mother):
        assert signed_in(user).get("/finance/adjustments/").status_code == 404
        assert signed_in(user).post(f"/finance/adjustments/{waiting.pk}/approve").status_code == 404
    assert world() == before

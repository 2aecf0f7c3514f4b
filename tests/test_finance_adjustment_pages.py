"""The finance pages' adjustments: what waits for a second finance user, approved or turned down
by button, in Chinese; the refusals of the service said in words, nothing changed."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from ledger import adjustments, payouts, periods, selectors
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
    # She asked for it: no 批准 button she may not use, only her words and a withdraw.
    assert f'action="/finance/adjustments/{waiting.pk}/approve"' not in page
    assert "等待另一位财务审批：这是您提交的。" in page and "撤回" in page
    assert 'href="/finance/adjustments/?company=' in page  # in the navigation
    colleague = signed_in(factories.staff(company, Role.FINANCE))
    theirs = colleague.get(f"/finance/adjustments/?company={company.pk}").content.decode()
    assert f'action="/finance/adjustments/{waiting.pk}/approve"' in theirs and "驳回" in theirs


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


# --- a bonus or a deduction made on the page, and a reversal ------------------------------------


def post_new(client, company, **fields):
    body = {"company": company.pk, "direction": "bonus", "amount": "20", "reason": "好评奖励", "key": "page-k1"}
    body.update(fields)
    return client.post("/finance/adjustments/new", body, follow=True)


def test_a_small_bonus_is_posted_at_once_and_a_resent_form_posts_once(finance, company, mother):
    factories.worked_for(company, mother)
    client = signed_in(finance)

    done = post_new(client, company, phone=mother.phone[3:])
    again = post_new(client, company, phone=mother.phone[3:])  # the same form sent twice

    assert "已入账：她现在就能在收入里看到。" in done.content.decode() and again.status_code == 200
    assert selectors.payable_balances(company_id=company.pk)[mother.pk] == 2_000
    assert AdjustmentRequest.objects.count() == 1


def test_a_large_deduction_waits_for_a_second_finance_user(finance, company, mother):
    factories.worked_for(company, mother)
    large, _created = adjustments.adjustment_request(
        actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=80_000, reason="季度奖"
    )
    adjustments.adjustment_approve(actor=factories.staff(company, Role.FINANCE), request_id=large.pk)
    client = signed_in(finance)

    asked = post_new(client, company, phone=mother.phone[3:], direction="deduction", amount="600", key="page-k2")

    assert "已提交：等待另一位财务审批。" in asked.content.decode()
    waiting = AdjustmentRequest.objects.get(status=AdjustmentStatus.PENDING)
    assert waiting.amount_fen == -60_000
    assert selectors.payable_balances(company_id=company.pk)[mother.pk] == 80_000  # nothing taken yet


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "abc"}, "请填写金额（元），例如 20 或 12.50。"),
        ({"amount": "0"}, "请填写金额（元），例如 20 或 12.50。"),
        ({"amount": "1.234"}, "请填写金额（元），例如 20 或 12.50。"),
        ({"amount": "NaN"}, "请填写金额（元），例如 20 或 12.50。"),
        ({"phone": "12345"}, "手机号"),
        ({"phone": "13999999999"}, "没有找到用这个手机号、在本公司干过活的妈妈。"),
        ({"reason": " "}, "原因"),
    ],
)
def test_a_wrong_form_is_refused_in_words_and_changes_nothing(finance, company, mother, fields, message):
    factories.worked_for(company, mother)
    before = world()

    refused = post_new(signed_in(finance), company, **{"phone": mother.phone[3:], **fields})

    assert message in refused.content.decode()
    assert world() == before


def test_she_cannot_pay_herself_on_the_page_either(finance, company):
    before = world()

    refused = post_new(signed_in(finance), company, phone=finance.phone[3:])

    assert refused.status_code == 200 and world() == before


def test_a_posted_adjustment_is_reversed_once(finance, company, mother, waiting):
    posted = AdjustmentRequest.objects.get(status=AdjustmentStatus.POSTED)
    client = signed_in(factories.staff(company, Role.FINANCE))

    done = client.post(f"/finance/adjustments/{posted.pk}/reverse", {"reason": "记错了"}, follow=True)
    again = client.post(f"/finance/adjustments/{posted.pk}/reverse", {"reason": "记错了"}, follow=True)

    assert "已冲正" in done.content.decode() and "已经冲正过了" in again.content.decode()
    assert selectors.payable_balances(company_id=company.pk)[mother.pk] == 0
    assert (
        signed_in(factories.staff(factories.CompanyFactory(), Role.FINANCE))
        .post(f"/finance/adjustments/{posted.pk}/reverse", {"reason": "x"})
        .status_code
        == 404
    )


def test_the_drafter_of_a_batch_is_not_shown_its_approve_button(finance, company, mother):
    factories.worked_for(company, mother)
    start, end = periods.last_ended_half_month(timezone.localdate())
    with time_machine.travel(periods.day_start(start) + datetime.timedelta(hours=10), tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=300, reason="奖"
        )
    batch = payouts.payout_draft(actor=finance, company_id=company.pk, period_start=start, period_end=end)

    mine = signed_in(finance).get(f"/finance/batches/{batch.pk}/").content.decode()
    theirs = signed_in(factories.staff(company, Role.FINANCE)).get(f"/finance/batches/{batch.pk}/").content.decode()

    assert "/approve" not in mine and "等待另一位财务审批" in mine
    assert f"/finance/batches/{batch.pk}/approve" in theirs


@pytest.mark.parametrize("amount", ["1e30", "1E+9", "-5", "¥", "12.5.5"])
def test_odd_amounts_are_refused_in_words_not_a_500(finance, company, mother, amount):
    factories.worked_for(company, mother)
    before = world()

    refused = post_new(signed_in(finance), company, phone=mother.phone[3:], amount=amount)

    assert refused.status_code == 200 and "请填写金额（元）" in refused.content.decode()
    assert world() == before

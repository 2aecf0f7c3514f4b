"""收款账户 in real Chromium at 360 × 740, in Chinese: she sets her first payout account from her
earnings page, sees it masked, and changes it with the code the "获取验证码" button has texted her."""

import re

import pytest
from playwright.sync_api import expect

from accounts import sms
from core import sealing
from tests.browser.pages import fits_the_phone, shot, sign_in
from workers.models import PayoutAccount

pytestmark = [pytest.mark.django_db(transaction=True)]
CARD = "6222021234567890128"


def test_a_mother_sets_and_changes_her_payout_account_on_her_phone(on_postgres, live_server, phone, mother, settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()
    profile = mother.worker_profile
    profile.display_name, profile.city, profile.youngest_birth_year = "王妈妈", "佛山市", 2022
    profile.save()
    page = phone()
    sign_in(page, live_server.url, mother, "/m/earnings/")

    page.click("#payout-account a")
    page.wait_for_url(f"{live_server.url}/m/payout-account/")
    assert page.locator("#send-code").count() == 0  # her first account needs no code
    page.check("input[name=method][value=bank]")
    page.fill("input[name=account_name]", "王小花")
    page.fill("input[name=account_number]", "6222 0212 3456 7890 128")
    page.fill("input[name=bank_name]", "中国工商银行")
    page.click("#payout-form button:not([type=button])")

    page.wait_for_selector("#account-masked")
    assert page.inner_text("#account-masked") == "****0128"
    assert CARD not in page.content()
    assert fits_the_phone(page)
    shot(page, "mother-payout-account")
    assert sealing.unseal(PayoutAccount.objects.get(worker=mother).number_sealed) == CARD

    # A change: Alipay by phone, with the code the button sends.
    page.check("input[name=method][value=alipay]")
    page.fill("input[name=account_name]", "王小花")
    page.fill("input[name=account_number]", "13900000001")
    page.click("#send-code")
    expect(page.locator("#code-status")).to_contain_text("验证码已发送")
    texts = [text for to, text in sms.outbox if to == mother.phone]
    code = re.search(r"\d{6}", texts[-1]).group(0)
    page.fill("input[name=code]", code)
    page.click("#payout-form button:not([type=button])")

    expect(page.locator("#account-masked")).to_have_text("139****0001")
    assert fits_the_phone(page)
    assert PayoutAccount.objects.get(worker=mother).method == "alipay"
    assert sms.outbox[-1][0] == mother.phone and "139****0001" in sms.outbox[-1][1]

"""收款账户 in /m/: she sets her first account without a code, sees it masked, changes it with a code;
refusals say why on the form and change nothing."""

import pytest
from django.test import Client
from django.utils import translation

from accounts import sms
from accounts.codes import CodePurpose, sms_code_issue
from core import sealing
from tests import factories
from workers.models import PayoutAccount

pytestmark = pytest.mark.django_db
CARD = "6222021234567890128"


@pytest.fixture(autouse=True)
def _default_language(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()
    yield
    translation.deactivate()
    sms.outbox.clear()


def phone_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


FORM = {"method": "bank", "account_name": "王小花", "account_number": CARD, "bank_name": "中国工商银行"}


def test_she_sets_her_first_account_and_sees_it_masked(mom):
    client = phone_of(mom)
    page = client.get("/m/payout-account/").content.decode()
    assert "收款账户" in page and "获取验证码" not in page  # the first needs no code

    saved = client.post("/m/payout-account/", FORM, follow=True)

    assert saved.status_code == 200
    page = saved.content.decode()
    assert "收款账户已保存" in page and "****0128" in page and CARD not in page
    assert "获取验证码" in page and 'data-purpose="payout_account"' in page
    assert sealing.unseal(PayoutAccount.objects.get(worker=mom).number_sealed) == CARD
    earnings = client.get("/m/earnings/").content.decode()
    assert "****0128" in earnings and 'href="/m/payout-account/"' in earnings


def test_a_bad_card_is_refused_on_the_form_and_nothing_is_saved(mom):
    response = phone_of(mom).post("/m/payout-account/", {**FORM, "account_number": "6222021234567890127"})

    assert response.status_code == 400
    assert "银行卡号不对" in response.content.decode()
    assert not PayoutAccount.objects.exists()


def test_a_change_needs_the_code_and_is_told_by_sms(mom, django_capture_on_commit_callbacks):
    factories.payout_account(mom, number=CARD)
    client = phone_of(mom)
    alipay = {"method": "alipay", "account_name": "王小花", "account_number": "13900000001"}
    before = PayoutAccount.objects.values_list("number_sealed", "number_masked").get()

    refused = client.post("/m/payout-account/", alipay)

    assert refused.status_code == 400 and "短信验证码" in refused.content.decode()
    assert PayoutAccount.objects.values_list("number_sealed", "number_masked").get() == before
    code = sms_code_issue(phone=mom.phone, purpose=CodePurpose.PAYOUT_ACCOUNT)
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.post("/m/payout-account/", {**alipay, "code": code}, follow=True)
    assert "139****0001" in changed.content.decode()
    assert [phone for phone, _text in sms.outbox] == [mom.phone]

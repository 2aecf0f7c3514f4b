"""A provider that refuses or hangs tells nobody whether a number has an account, fails no request,
and undoes no change that committed (the probe's findings: a 503 with the provider's code, and a 500
on the sign-in page, only for numbers with an account; a slow provider slowed only their answers)."""

import time

import pytest
from django.test import Client, TestCase
from rest_framework.test import APIClient

from accounts.codes import sms_code_issue
from accounts.models import SmsCode
from tests import factories
from tests.accounts import sms_troubles
from tests.conftest import api_for
from workers.models import PayoutAccount

pytestmark = pytest.mark.django_db
KNOWN, UNKNOWN = "13912340001", "13912340002"


def ask(phone, purpose="sign_in"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return APIClient(REMOTE_ADDR="10.1.1.1").post(
            "/api/v1/auth/sms-code", {"phone": phone, "purpose": purpose}, format="json"
        )


@pytest.mark.parametrize("purpose", ["sign_in", "reset", "delete"])
def test_a_refusing_provider_is_answered_like_a_number_without_an_account(settings, purpose):
    settings.HOMESLOT_SMS_BACKEND = "tests.accounts.sms_troubles.RefusingBackend"
    factories.UserFactory(phone="+86" + KNOWN)

    known, unknown = ask(KNOWN, purpose), ask(UNKNOWN, purpose)

    assert known.status_code == unknown.status_code == 202
    assert known.json()["expires_in"] == unknown.json()["expires_in"]
    assert "isv" not in known.content.decode()
    assert SmsCode.objects.filter(phone="+86" + KNOWN).exists()  # she asks again in a minute


def test_the_sign_in_page_does_not_fail_when_the_provider_refuses(settings):
    settings.HOMESLOT_SMS_BACKEND = "tests.accounts.sms_troubles.RefusingBackend"
    factories.UserFactory(phone="+86" + KNOWN)
    answers = []
    for number in (KNOWN, UNKNOWN):
        with TestCase.captureOnCommitCallbacks(execute=True):
            answers.append(Client().post("/signin/", {"phone": number, "action": "send_code", "mode": "code"}))

    assert [a.status_code for a in answers] == [200, 200]


def test_a_hanging_provider_does_not_hold_the_answer(settings):
    settings.HOMESLOT_SMS_IN_BACKGROUND = True
    settings.HOMESLOT_SMS_BACKEND = "tests.accounts.sms_troubles.HangingBackend"
    factories.UserFactory(phone="+86" + KNOWN)
    sms_troubles.released.clear()
    sms_troubles.sent.clear()

    response = ask(KNOWN)

    assert response.status_code == 202 and sms_troubles.sent == []  # answered while the provider still hangs
    sms_troubles.released.set()
    deadline = time.monotonic() + 5
    while not sms_troubles.sent and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sms_troubles.sent == ["+86" + KNOWN]  # and the message still left


def test_a_payout_account_change_stands_when_its_sms_fails(settings, mother):
    settings.HOMESLOT_SMS_BACKEND = "tests.accounts.sms_troubles.RefusingBackend"
    factories.payout_account(mother)
    code = sms_code_issue(phone=mother.phone, purpose="payout_account")
    card = factories.card_number()
    body = {"method": "bank", "account_name": "王小花", "account_number": card, "bank_name": "中国银行", "code": code}

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api_for(mother).put("/api/v1/me/payout-account", body, format="json")

    assert response.status_code == 200, response.content
    assert PayoutAccount.objects.get(worker=mother).number_masked == f"****{card[-4:]}"

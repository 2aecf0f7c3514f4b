"""SMS codes and what they open: sign-up, sign-in with a code, password reset (accounts/codes.py).

Every refusal is checked to have changed nothing: no user, no token, no consent, the code still live."""

import datetime
import re

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import codes, legal, sms
from accounts.jobs import accounts_tidy
from accounts.models import ApiToken, CodePurpose, Consent, SmsCode, User
from tests.factories import PASSWORD, UserFactory, api_token_for
from workers.models import WorkerProfile

NEW = "13912340000"
NEW_E164 = "+8613912340000"
CONSENT = {"terms": legal.TERMS_VERSION, "privacy": legal.PRIVACY_VERSION}


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def ask(client, phone, purpose, **extra):
    """Ask for a code; the SMS goes after commit (which a test's transaction only imitates)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/api/v1/auth/sms-code", {"phone": phone, "purpose": purpose}, format="json", **extra)


def code_sent_to(phone_e164: str) -> str:
    texts = [text for phone, text in sms.outbox if phone == phone_e164]
    assert texts, f"no SMS to {phone_e164}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def sign_up(client, code, **overrides):
    body = {
        "phone": NEW,
        "code": code,
        "display_name": "小林",
        "region": "广东省佛山市",
        "consent": CONSENT,
        "cares_for_child_under_12": True,
        **overrides,
    }
    return client.post("/api/v1/auth/sign-up", body, format="json")


def nothing_made() -> None:
    assert not User.objects.filter(phone=NEW_E164).exists()
    assert not Consent.objects.exists()
    assert not WorkerProfile.objects.filter(user__phone=NEW_E164).exists()


# --- asking for a code ---------------------------------------------------------------------------


def test_a_code_is_sent_hashed_at_rest_and_the_answer_masks_the_number(db):
    response = ask(APIClient(), NEW, "sign_up")

    assert response.status_code == 202
    assert response.json() == {"sent_to": "139****0000", "expires_in": 300, "resend_after": 60}
    code = code_sent_to(NEW_E164)
    row = SmsCode.objects.get(phone=NEW_E164)
    assert row.purpose == CodePurpose.SIGN_UP and code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=5)


@pytest.mark.parametrize("purpose", ["sign_in", "reset", "delete", "payout_account"])
def test_an_unknown_number_is_answered_like_a_known_one(db, purpose):
    known = UserFactory(phone="+8613912340001")

    for_known = ask(APIClient(), "13912340001", purpose)
    for_unknown = ask(APIClient(), NEW, purpose)

    assert for_known.status_code == for_unknown.status_code == 202
    assert for_known.json().keys() == for_unknown.json().keys()
    assert {k: v for k, v in for_known.json().items() if k != "sent_to"} == {
        k: v for k, v in for_unknown.json().items() if k != "sent_to"
    }
    assert [phone for phone, _text in sms.outbox] == [known.phone]  # nothing goes to a number without an account
    assert not SmsCode.objects.filter(phone=NEW_E164).exists()


def test_one_code_a_minute_per_number_whatever_the_purpose(db):
    UserFactory(phone="+8613912340001")
    client = APIClient()
    assert ask(client, "13912340001", "sign_in").status_code == 202

    again = ask(client, "139 1234 0001", "reset")

    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    assert len(sms.outbox) == 1 and SmsCode.objects.count() == 1


def test_ten_codes_a_day_per_number(db):
    start = timezone.now()
    for minute in range(10):
        with time_machine.travel(start + datetime.timedelta(minutes=2 * minute), tick=False):
            assert ask(APIClient(REMOTE_ADDR=f"10.0.0.{minute}"), NEW, "sign_up").status_code == 202
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        eleventh = ask(APIClient(REMOTE_ADDR="10.0.1.1"), NEW, "sign_up")
    with time_machine.travel(start + datetime.timedelta(days=1, minutes=1), tick=False):
        next_day = ask(APIClient(REMOTE_ADDR="10.0.1.2"), NEW, "sign_up")

    assert eleventh.status_code == 429
    assert next_day.status_code == 202
    assert len(sms.outbox) == 11


def test_codes_are_limited_per_client_address(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "sms_code_address": "3/hour",
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = APIClient(REMOTE_ADDR="10.9.9.9")
        answers = [ask(client, f"1391234000{n}", "sign_up").status_code for n in range(4)]
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    assert answers == [202, 202, 202, 429]
    assert len(sms.outbox) == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "12345", "purpose": "sign_up"}, "invalid_phone"),
        ({"phone": NEW, "purpose": "everything"}, "invalid_purpose"),
        ({"phone": NEW}, "invalid"),
    ],
)
def test_a_bad_request_for_a_code_is_refused_and_sends_nothing(db, body, code):
    response = APIClient().post("/api/v1/auth/sms-code", body, format="json")

    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert sms.outbox == [] and not SmsCode.objects.exists()


# --- signing up ----------------------------------------------------------------------------------


def test_a_mother_signs_up_with_her_code(db):
    client = APIClient()
    ask(client, NEW, "sign_up")

    response = sign_up(client, code_sent_to(NEW_E164), password="a-long-pass-phrase")

    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(phone=NEW_E164)
    assert body["user"]["id"] == user.pk and body["user"]["is_worker"] is True
    assert user.check_password("a-long-pass-phrase")
    assert user.worker_profile.region == "广东省佛山市" and user.worker_profile.display_name == "小林"
    assert dict(Consent.objects.filter(user=user).values_list("document", "version")) == {
        "terms": legal.TERMS_VERSION,
        "privacy": legal.PRIVACY_VERSION,
        "caregiver": legal.CAREGIVER_VERSION,
    }
    me = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == user.pk


def test_without_a_password_she_signs_in_with_codes(db):
    client = APIClient()
    ask(client, NEW, "sign_up")
    assert sign_up(client, code_sent_to(NEW_E164)).status_code == 201
    user = User.objects.get(phone=NEW_E164)
    assert not user.has_usable_password()

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2), tick=False):
        ask(client, NEW, "sign_in")
        response = client.post("/api/v1/auth/token", {"phone": NEW, "code": code_sent_to(NEW_E164)}, format="json")

    assert response.status_code == 200 and response.json()["user"]["id"] == user.pk


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"cares_for_child_under_12": False}, "caregiver_declaration_required"),
        ({"consent": {"terms": "2020-01-01", "privacy": legal.PRIVACY_VERSION}}, "consent_required"),
        ({"region": "  "}, "invalid"),
        ({"display_name": "   "}, "invalid"),
        ({"password": "123"}, "weak_password"),
        ({"phone": "12345"}, "invalid_phone"),
    ],
)
def test_bad_sign_up_input_is_refused_and_the_code_is_kept(db, overrides, error):
    client = APIClient()
    ask(client, NEW, "sign_up")
    code = code_sent_to(NEW_E164)

    response = sign_up(client, code, **overrides)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == error
    nothing_made()
    assert sign_up(client, code).status_code == 201  # the code was not spent on a typo


def test_the_current_versions_are_given_when_consent_is_outdated(db):
    response = sign_up(APIClient(), "123456", consent={"terms": "old", "privacy": "old"})

    assert response.json()["error"]["details"]["current"] == CONSENT


@pytest.mark.parametrize("case", ["wrong", "expired", "reused", "other_purpose", "never_sent"])
def test_a_code_that_is_not_right_opens_nothing(db, case):
    client = APIClient()
    if case != "never_sent":
        codes.sms_code_issue(phone=NEW_E164, purpose="sign_in" if case == "other_purpose" else "sign_up")
    code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_up") if case != "never_sent" else "123456"
    if case == "other_purpose":
        SmsCode.objects.filter(purpose="sign_up").delete()
        code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_in")
    given = {"wrong": f"{(int(code) + 1) % 10**6:06d}"}.get(case, code)
    later = timezone.now() + datetime.timedelta(minutes=5, seconds=1) if case == "expired" else timezone.now()
    if case == "reused":
        assert sign_up(client, code).status_code == 201
        User.objects.filter(phone=NEW_E164).delete()
        Consent.objects.all().delete()
        ApiToken.objects.all().delete()

    with time_machine.travel(later, tick=False):
        response = sign_up(client, given)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    nothing_made()


def test_five_wrong_tries_end_a_code(db):
    client = APIClient()
    code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_up")
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answers = [sign_up(client, wrong).json()["error"]["code"] for _ in range(5)]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61), tick=False):  # past the sign-in limit
        right_too_late = sign_up(client, code)

    assert answers == ["invalid_code"] * 4 + ["code_tries_exceeded"]
    assert right_too_late.status_code == 400 and right_too_late.json()["error"]["code"] == "code_tries_exceeded"
    assert SmsCode.objects.get().attempts == 5
    nothing_made()


def test_a_new_code_replaces_the_old_one(db):
    old = codes.sms_code_issue(phone=NEW_E164, purpose="sign_up")
    new = codes.sms_code_issue(phone=NEW_E164, purpose="sign_up")

    assert sign_up(APIClient(), old).status_code == 400 or old == new
    assert sign_up(APIClient(), new).status_code == 201


def test_signing_up_a_number_that_has_an_account_says_so_only_after_its_code(db):
    UserFactory(phone=NEW_E164)
    before = User.objects.count()

    without_code = sign_up(APIClient(), "000000")
    code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_up")
    with_code = sign_up(APIClient(), code)

    assert without_code.json()["error"]["code"] == "invalid_code"  # nobody learns the number has an account
    assert with_code.status_code == 409 and with_code.json()["error"]["code"] == "phone_registered"
    assert User.objects.count() == before and not Consent.objects.exists()


def test_a_company_admin_to_be_signs_up_without_a_profile(db):
    code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_up")

    response = sign_up(APIClient(), code, intent="company", region="", cares_for_child_under_12=False)

    assert response.status_code == 201, response.content
    user = User.objects.get(phone=NEW_E164)
    assert not WorkerProfile.objects.filter(user=user).exists()
    assert set(Consent.objects.filter(user=user).values_list("document", flat=True)) == {"terms", "privacy"}


# --- signing in with a code, resetting the password ----------------------------------------------


def test_sign_in_needs_a_password_or_a_code(db):
    UserFactory(phone=NEW_E164)
    client = APIClient()

    neither = client.post("/api/v1/auth/token", {"phone": NEW}, format="json")
    both = client.post("/api/v1/auth/token", {"phone": NEW, "password": PASSWORD, "code": "123456"}, format="json")

    assert neither.json()["error"]["code"] == both.json()["error"]["code"] == "credentials_required"
    assert not ApiToken.objects.exists()


def test_a_wrong_sign_in_code_gives_no_token(db):
    UserFactory(phone=NEW_E164)
    code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_in")
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = APIClient().post("/api/v1/auth/token", {"phone": NEW, "code": wrong}, format="json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_code"
    assert not ApiToken.objects.exists()


def test_a_forgotten_password_is_reset_and_every_other_session_ends(db):
    user = UserFactory(phone=NEW_E164)
    old_token = api_token_for(user)
    web = APIClient()
    assert web.login(phone=NEW_E164, password=PASSWORD)
    ask(APIClient(), NEW, "reset")

    response = APIClient().post(
        "/api/v1/auth/password-reset",
        {"phone": NEW, "code": code_sent_to(NEW_E164), "new_password": "a-new-long-phrase"},
        format="json",
    )

    assert response.status_code == 200, response.content
    new_token = response.json()["token"]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {old_token}").get("/api/v1/me").status_code == 401
    assert web.get("/api/v1/me").status_code in (401, 403)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {new_token}").get("/api/v1/me").status_code == 200
    user.refresh_from_db()
    assert user.check_password("a-new-long-phrase")


def test_a_reset_with_a_weak_password_keeps_the_code_and_the_old_password(db):
    user = UserFactory(phone=NEW_E164)
    token = api_token_for(user)
    code = codes.sms_code_issue(phone=NEW_E164, purpose="reset")

    weak = APIClient().post(
        "/api/v1/auth/password-reset", {"phone": NEW, "code": code, "new_password": "123"}, format="json"
    )

    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me").status_code == 200
    assert SmsCode.objects.get().used_at is None


def test_a_sign_in_code_does_not_reset_a_password(db):
    user = UserFactory(phone=NEW_E164)
    code = codes.sms_code_issue(phone=NEW_E164, purpose="sign_in")

    response = APIClient().post(
        "/api/v1/auth/password-reset", {"phone": NEW, "code": code, "new_password": "a-new-long-phrase"}, format="json"
    )

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_code"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_tidy_job_forgets_codes_a_day_after_they_lapse(db):
    codes.sms_code_issue(phone=NEW_E164, purpose="sign_up")
    fresh_for_other = codes.sms_code_issue(phone="+8613912340001", purpose="sign_up")
    SmsCode.objects.filter(phone=NEW_E164).update(expires_at=timezone.now() - datetime.timedelta(days=1, minutes=1))

    accounts_tidy.call()

    assert list(SmsCode.objects.values_list("phone", flat=True)) == ["+8613912340001"] and fresh_for_other

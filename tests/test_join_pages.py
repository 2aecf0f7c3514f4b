"""The pages for joining and signing in (frontend/join.py, frontend/join_company.py): each flow through
the Django test client with the session cookie, and each refusal changing nothing.

The SMS goes to the memory backend after commit; ``send`` runs the commit hooks a test's transaction
only imitates."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, TestCase
from django.utils import timezone

from accounts import legal, sms
from accounts.models import (
    ApiToken,
    AuditEntry,
    CodePurpose,
    Company,
    CompanyStatus,
    Consent,
    Membership,
    SmsCode,
    User,
)
from tests import factories
from tests.snapshots import world
from tests.test_translations import _default_language, untranslated  # noqa: F401 - a fixture
from workers.models import WorkerProfile

NEW = "13912340000"
NEW_E164 = "+8613912340000"
CURRENT = legal.current_versions()


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def zh() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


def send(client, url: str, phone: str = NEW, **fields):
    """Tap "获取验证码" (a submit button: the page comes back with what she typed)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"phone": phone, "action": "send_code", **fields})


def code_sent_to(phone_e164: str) -> str:
    texts = [text for phone, text in sms.outbox if phone == phone_e164]
    assert texts, f"no SMS to {phone_e164}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def page(response) -> str:
    return response.content.decode()


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def mother_form(code: str, **overrides) -> dict:
    return {
        "phone": NEW,
        "code": code,
        "display_name": "小林",
        "region": "广东省佛山市",
        "cares": "on",
        "agree": "on",
        "terms_version": CURRENT["terms"],
        "privacy_version": CURRENT["privacy"],
        **overrides,
    }


def people() -> dict:
    """What a refused sign-up must leave as it was (besides tests.snapshots.world)."""
    return {
        "world": world(),
        "users": list(User.objects.order_by("pk").values_list("pk", "phone", "password")),
        "profiles": WorkerProfile.objects.count(),
        "consents": Consent.objects.count(),
        "tokens": ApiToken.objects.count(),
        "companies": list(Company.objects.values_list("pk", "status")),
        "memberships": Membership.objects.count(),
    }


def live_code(phone_e164: str, purpose: str) -> SmsCode:
    return SmsCode.objects.get(phone=phone_e164, purpose=purpose, used_at__isnull=True)


# --- the code button ---------------------------------------------------------------------------


def test_getting_a_code_keeps_what_she_typed_and_starts_the_countdown(db):
    client = zh()

    response = send(client, "/signup/", display_name="小林", region="广东省佛山市", password="secret-not-kept")

    assert response.status_code == 200
    html = page(response)
    assert "验证码已发送至 139****0000，5 分钟内有效。" in html
    assert 'value="13912340000"' in html and 'value="小林"' in html and 'value="广东省佛山市"' in html
    assert "secret-not-kept" not in html  # a password is never written back into a page
    assert 'data-wait="60"' in html and 'data-wait-text="#秒后重新获取"' in html
    assert "errorlist" not in html  # the rest of the form is not judged yet
    assert len(code_sent_to(NEW_E164)) == 6


def test_a_second_code_within_the_minute_says_how_long_to_wait(db):
    client = zh()
    send(client, "/signup/")

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=20), tick=False):
        again = send(client, "/signup/")

    assert again.status_code == 429
    assert 40 <= int(again["Retry-After"]) <= 41
    assert re.search(r"验证码刚刚发过，请您 4[01] 秒后再获取。", page(again))
    assert len(sms.outbox) == 1 and SmsCode.objects.count() == 1


def test_the_code_limit_is_the_apis_counter(db):
    """One a minute per number, whichever way she asks: the API's request counts for the page."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post("/api/v1/auth/sms-code", {"phone": NEW, "purpose": "sign_up"}, content_type="application/json")

    assert send(zh(), "/signup/").status_code == 429
    assert len(sms.outbox) == 1


def test_a_wrong_number_gets_no_code(db):
    response = send(zh(), "/signup/", phone="12345")

    assert response.status_code == 400
    assert "请输入 11 位大陆手机号" in page(response)
    assert sms.outbox == [] and not SmsCode.objects.exists()


def test_signing_in_by_code_answers_an_unknown_number_like_a_known_one(db):
    factories.UserFactory(phone="+8613912340001")

    known = send(zh(), "/signin/", phone="13912340001", mode="code")
    unknown = send(zh(), "/signin/", phone="13912340002", mode="code")

    assert known.status_code == unknown.status_code == 200
    assert "如果 139****0001 已注册，验证码马上就到" in page(known)
    assert "如果 139****0002 已注册，验证码马上就到" in page(unknown)
    assert [phone for phone, _text in sms.outbox] == ["+8613912340001"]


# --- signing in -----------------------------------------------------------------------------------


def test_she_signs_in_with_a_code_and_gets_a_session_not_a_token(db):
    user = factories.mother()
    client = zh()
    send(client, "/signin/", phone=user.phone[3:], mode="code")

    response = client.post(
        "/signin/", {"phone": user.phone[3:], "code": code_sent_to(user.phone), "mode": "code", "action": "sign_in"}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == user.pk
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get("/").headers["Location"] == "/m/"


def test_the_sign_in_page_offers_a_code_first_and_a_password_one_tap_away(db):
    html = page(zh().get("/signin/?next=/finance/"))

    assert "获取验证码" in html and 'name="code"' in html and 'name="password"' not in html
    assert 'href="/signin/?mode=password&amp;next=%2Ffinance%2F"' in html
    assert 'href="/signup/"' in html and 'href="/password-reset/"' in html
    password_page = page(zh().get("/signin/?mode=password"))
    assert 'name="password"' in password_page and "获取验证码" not in password_page


def test_a_wrong_code_signs_nobody_in_and_counts_as_a_try(db):
    user = factories.mother()
    client = zh()
    send(client, "/signin/", phone=user.phone[3:], mode="code")
    right = code_sent_to(user.phone)
    wrong = "000000" if right != "000000" else "111111"

    response = client.post("/signin/", {"phone": user.phone[3:], "code": wrong, "mode": "code"})

    assert response.status_code == 200
    assert "验证码不对或已过期" in page(response)
    assert signed_in_as(client) is None
    assert live_code(user.phone, CodePurpose.SIGN_IN).attempts == 1


def test_a_malformed_code_is_not_even_tried(db):
    user = factories.mother()
    client = zh()
    send(client, "/signin/", phone=user.phone[3:], mode="code")

    response = client.post("/signin/", {"phone": user.phone[3:], "code": "12", "mode": "code"})

    assert "请输入短信里的 6 位验证码" in page(response)
    assert live_code(user.phone, CodePurpose.SIGN_IN).attempts == 0


def test_five_wrong_codes_kill_it_and_she_is_told_to_ask_again(db):
    user = factories.mother()
    client = zh()
    send(client, "/signin/", phone=user.phone[3:], mode="code")
    right = code_sent_to(user.phone)
    wrong = "000000" if right != "000000" else "111111"

    answers = []
    for _ in range(5):
        cache.clear()  # the sign-in limit (5 a minute) would stop her first; here it is the code's own count
        answers.append(client.post("/signin/", {"phone": user.phone[3:], "code": wrong, "mode": "code"}))
    cache.clear()
    last = client.post("/signin/", {"phone": user.phone[3:], "code": right, "mode": "code"})

    assert "验证码输错次数太多" in page(answers[-1])
    assert "验证码输错次数太多" in page(last)
    assert signed_in_as(client) is None


def test_too_many_sign_in_tries_say_the_wait_in_seconds(db):
    user = factories.mother()
    client = zh()
    for _ in range(5):
        client.post("/signin/", {"phone": user.phone[3:], "password": "wrong-guess"})

    refused = client.post("/signin/", {"phone": user.phone[3:], "password": factories.PASSWORD})

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    assert f"尝试次数太多了，请 {wait} 秒后再试。" in page(refused)
    assert signed_in_as(client) is None


def test_a_password_sign_in_goes_where_she_was_going(db):
    user = factories.mother()
    client = zh()

    response = client.post(
        "/signin/?next=/m/claims/", {"phone": user.phone[3:], "password": factories.PASSWORD, "mode": "password"}
    )

    assert response.status_code == 302 and response["Location"] == "/m/claims/"
    assert not ApiToken.objects.exists()


# --- a mother signs up --------------------------------------------------------------------------


def test_a_mother_signs_up_and_lands_signed_in_on_her_setup(db):
    client = zh()
    send(client, "/signup/")

    response = client.post("/signup/", mother_form(code_sent_to(NEW_E164), password="a-long-enough-password"))

    assert response.status_code == 302 and response["Location"] == "/m/setup/"
    user = User.objects.get(phone=NEW_E164)
    assert signed_in_as(client) == user.pk and user.display_name == "小林"
    assert user.check_password("a-long-enough-password")
    profile = WorkerProfile.objects.get(user=user)
    assert (profile.display_name, profile.region) == ("小林", "广东省佛山市")
    agreed = dict(Consent.objects.filter(user=user).values_list("document", "version"))
    assert agreed == {"terms": CURRENT["terms"], "privacy": CURRENT["privacy"], "caregiver": legal.CAREGIVER_VERSION}
    assert not ApiToken.objects.exists()  # the page has a session; no stray API token
    setup = client.get("/m/setup/")
    assert setup.status_code == 200
    assert "欢迎加入 Homeslot" in page(setup)
    assert 'value="广东省佛山市"' in page(setup)  # her city starts as the region she gave


def test_without_a_password_she_signs_in_by_code(db):
    client = zh()
    send(client, "/signup/")
    client.post("/signup/", mother_form(code_sent_to(NEW_E164)))

    assert not User.objects.get(phone=NEW_E164).has_usable_password()


def test_the_sign_up_page_lists_the_regions_of_the_pay_floors_and_links_the_texts(db):
    html = page(zh().get("/signup/"))

    assert '<datalist id="regions">' in html and '<option value="佛山市">' in html
    assert 'href="/legal/terms/"' in html and 'href="/legal/privacy/"' in html
    assert f'name="terms_version" value="{CURRENT["terms"]}"' in html
    assert f'name="privacy_version" value="{CURRENT["privacy"]}"' in html
    assert "我正在照顾 12 岁以下的孩子" in html and 'href="/signup/company/"' in html


@pytest.mark.parametrize(
    ("change", "words", "field"),
    [
        ({"code": "WRONG"}, "请输入短信里的 6 位验证码", "code"),
        ({"cares": ""}, "请确认您符合这一条件", "cares"),
        ({"agree": ""}, "请阅读并同意最新的用户协议和隐私政策", "agree"),
        ({"terms_version": "2020-01-01"}, "用户协议或隐私政策刚刚更新了", "agree"),
        ({"display_name": ""}, "请告诉我们怎么称呼您", "display_name"),
        ({"region": ""}, "请填写您所在的地区", "region"),
        ({"password": "123"}, "密码", "password"),
    ],
)
def test_a_refused_sign_up_changes_nothing_and_keeps_her_code(db, change, words, field):
    client = zh()
    send(client, "/signup/")
    code = code_sent_to(NEW_E164)
    before = people()

    response = client.post("/signup/", {**mother_form(code), **change})

    assert response.status_code == 400
    assert words in page(response)
    assert people() == before and signed_in_as(client) is None
    assert live_code(NEW_E164, CodePurpose.SIGN_UP).attempts == 0  # nothing was tried with her code
    # and with what was missing put right, the same code still works
    assert client.post("/signup/", mother_form(code)).status_code == 302


def test_an_outdated_form_comes_back_with_the_current_versions_and_unticked(db):
    client = zh()
    send(client, "/signup/")

    response = client.post("/signup/", mother_form(code_sent_to(NEW_E164), privacy_version="2025-01-01"))

    html = page(response)
    assert f'name="privacy_version" value="{CURRENT["privacy"]}"' in html
    assert re.search(r'<input type="checkbox" name="agree" value="on">', html)  # not checked
    assert re.search(r'<input type="checkbox" name="cares" value="on" checked>', html)


def test_a_wrong_code_makes_no_account(db):
    client = zh()
    send(client, "/signup/")
    right = code_sent_to(NEW_E164)
    before = people()

    response = client.post("/signup/", mother_form("000000" if right != "000000" else "111111"))

    assert response.status_code == 400
    assert "验证码不对或已过期" in page(response)
    assert people() == before
    assert live_code(NEW_E164, CodePurpose.SIGN_UP).attempts == 1


def test_a_number_with_an_account_is_sent_to_sign_in(db):
    factories.UserFactory(phone=NEW_E164)
    client = zh()
    send(client, "/signup/")
    before = people()

    response = client.post("/signup/", mother_form(code_sent_to(NEW_E164)))

    assert "这个手机号已经注册过了，请直接登录。" in page(response)
    assert people() == before


def test_sign_up_tries_count_on_the_sign_in_limits(db):
    client = zh()
    for _ in range(5):
        client.post("/signup/", mother_form("000000"))

    refused = client.post("/signup/", mother_form("000000"))

    assert refused.status_code == 429 and "秒后再试" in page(refused)
    assert not User.objects.exists()


# --- a company joins ----------------------------------------------------------------------------

CREDIT_CODE = "91350100M000100Y43"  # a valid 统一社会信用代码 (its check character is right)


def company_admin_signed_up(client) -> User:
    send(client, "/signup/company/")
    response = client.post(
        "/signup/company/",
        {
            "phone": NEW,
            "code": code_sent_to(NEW_E164),
            "display_name": "陈经理",
            "agree": "on",
            "terms_version": CURRENT["terms"],
            "privacy_version": CURRENT["privacy"],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/signup/company/"
    return User.objects.get(phone=NEW_E164)


def company_fields(**overrides) -> dict:
    return {
        "name": "佛山巧手手工坊",
        "credit_code": CREDIT_CODE,
        "region": "广东省佛山市",
        "contact_name": "陈经理",
        "contact_phone": "13912340009",
        **overrides,
    }


def test_a_company_admin_signs_up_registers_her_company_and_sees_it_waits(db):
    client = zh()
    user = company_admin_signed_up(client)
    assert not WorkerProfile.objects.filter(user=user).exists()  # an account, no mother's profile
    assert "统一社会信用代码" in page(client.get("/signup/company/"))

    response = client.post("/signup/company/", company_fields())

    assert response.status_code == 302 and response["Location"] == "/signup/company/"
    company = Company.objects.get(name="佛山巧手手工坊")
    assert company.status == CompanyStatus.PENDING and company.credit_code == CREDIT_CODE
    assert Membership.objects.filter(company=company, user=user, role="admin").exists()
    waiting = page(client.get("/signup/company/"))
    assert "佛山巧手手工坊" in waiting and "等待审核" in waiting
    workspace = client.get("/work/")
    assert workspace.status_code == 200
    assert "企业审核中" in page(workspace)
    assert not ApiToken.objects.exists()


def test_the_workspace_banner_goes_once_the_company_is_approved(db):
    client = zh()
    user = company_admin_signed_up(client)
    client.post("/signup/company/", company_fields())
    # an operator approves it (the state as the admin's company_review leaves it)
    Company.objects.filter(name="佛山巧手手工坊").update(status=CompanyStatus.APPROVED)

    assert "企业审核中" not in page(client.get("/work/"))
    assert user.pk == signed_in_as(client)


def test_a_wrong_credit_code_registers_nothing(db):
    client = zh()
    company_admin_signed_up(client)
    before = people()

    response = client.post("/signup/company/", company_fields(credit_code="91350100M000100Y44"))

    assert response.status_code == 400
    assert "统一社会信用代码" in page(response)
    assert people() == before


def test_a_company_account_needs_the_same_consent(db):
    client = zh()
    send(client, "/signup/company/")
    before = people()

    response = client.post("/signup/company/", {"phone": NEW, "code": code_sent_to(NEW_E164), "display_name": "陈经理"})

    assert response.status_code == 400 and "请阅读并同意" in page(response)
    assert people() == before


# --- a forgotten password -----------------------------------------------------------------------


def test_a_reset_signs_her_in_here_and_out_everywhere_else(db):
    user = factories.mother()
    elsewhere = zh()
    elsewhere.force_login(user)
    factories.api_token_for(user)
    client = zh()
    send(client, "/password-reset/", phone=user.phone[3:])

    response = client.post(
        "/password-reset/",
        {"phone": user.phone[3:], "code": code_sent_to(user.phone), "new_password": "a-brand-new-password"},
    )

    assert response.status_code == 302 and response["Location"] == "/m/"
    user.refresh_from_db()
    assert user.check_password("a-brand-new-password")
    assert signed_in_as(client) == user.pk
    assert not ApiToken.objects.filter(user=user).exists()  # the old one ended, and no new one
    assert elsewhere.get("/m/").status_code == 302  # the other phone is signed out
    landing = client.get("/m/", follow=True)
    assert "其他手机或电脑上的登录都已退出" in page(landing)
    assert AuditEntry.objects.filter(action="user.password_reset").count() == 1


def test_a_reset_with_a_weak_password_keeps_the_old_one_and_the_code(db):
    user = factories.mother()
    client = zh()
    send(client, "/password-reset/", phone=user.phone[3:])
    before = people()

    response = client.post(
        "/password-reset/", {"phone": user.phone[3:], "code": code_sent_to(user.phone), "new_password": "123"}
    )

    assert response.status_code == 400 and "new_password" in page(response)
    assert people() == before
    assert live_code(user.phone, CodePurpose.RESET).attempts == 0


def test_a_reset_with_a_wrong_code_changes_nothing(db):
    user = factories.mother()
    client = zh()
    send(client, "/password-reset/", phone=user.phone[3:])
    before = people()

    response = client.post(
        "/password-reset/", {"phone": user.phone[3:], "code": "000000", "new_password": "a-brand-new-password"}
    )

    assert response.status_code == 400 and "验证码不对或已过期" in page(response)
    assert people() == before


# --- the texts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "chinese", "english"),
    [
        ("/legal/terms/", "用户协议", "Terms of use"),
        ("/legal/privacy/", "个人信息保护法", "Privacy notice"),
    ],
)
def test_the_texts_are_in_chinese_and_english_with_their_version(db, url, chinese, english):
    version = CURRENT["terms" if "terms" in url else "privacy"]
    in_chinese = page(zh().get(url))
    in_english = page(Client(HTTP_ACCEPT_LANGUAGE="en").get(url))

    assert chinese in in_chinese and f"版本 {version}" in in_chinese and "2026年12月1日起生效" in in_chinese
    assert english in in_english and f"Version {version}" in in_english and "1 December 2026" in in_english


def test_the_terms_say_what_she_needs_to_know(db):
    terms = page(zh().get("/legal/terms/"))
    privacy = page(zh().get("/legal/privacy/"))

    for words in (
        "按件计酬",
        "超时自动通过",
        "至少每 15 天",
        "每天不超过 4 小时",
        "每周不超过 24 小时",
        "免费",
        "注销账户",
    ):
        assert words in terms, words
    for words in ("手机号", "加密保存", "身份证", "孩子", "139****0001", "匿名编号", "我的数据", "注销账户", "免打扰"):
        assert words in privacy, words


# --- Chinese first ----------------------------------------------------------------------------------

# The language switch names English in English; the texts end with an e-mail address.
ASCII_ALLOWED = {"English", "help", "privacy", "homeslot", "example", "cn"}


@pytest.mark.usefixtures("_default_language")
@pytest.mark.parametrize(
    "url",
    [
        "/signin/",
        "/signin/?mode=password",
        "/signup/",
        "/signup/company/",
        "/password-reset/",
        "/legal/terms/",
        "/legal/privacy/",
    ],
)
def test_every_page_of_joining_reads_chinese(db, url):
    assert set(untranslated(zh().get(url))) - ASCII_ALLOWED == set()


@pytest.mark.usefixtures("_default_language")
def test_the_refusals_and_the_company_step_read_chinese_too(db):
    client = zh()
    sent = send(client, "/signup/")
    refused = client.post("/signup/", mother_form("000000", cares="", agree=""))
    company_admin_signed_up(client)
    company_step = client.get("/signup/company/")
    bad_company = client.post("/signup/company/", company_fields(credit_code="nope"))
    client.post("/signup/company/", company_fields())
    waiting, workspace = client.get("/signup/company/"), client.get("/work/")

    assert "企业审核中" in page(workspace)
    for response in (sent, refused, company_step, bad_company, waiting, workspace):
        assert set(untranslated(response)) - ASCII_ALLOWED == set()

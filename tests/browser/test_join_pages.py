"""Joining and signing in, in real Chromium at 360 × 740 in Chinese, against the real server (daphne on
PostgreSQL + Redis): the SMS is sent inside that server, to the file backend, and read back here with
``accounts.sms.backends.file.messages_for``.

A new mother signs up with her code and lands signed in on her setup; she signs out, forgets her
password, resets it with a code (her other phone is signed out) and signs in with the new one. A company
admin signs up and registers her company, and the workspace says it is under review. Every page fits
the phone (no sideways scrolling) and is kept as a screenshot."""

import time

import pytest
from django.core.cache import cache

from accounts.models import Company, CompanyStatus, User
from accounts.sms.backends.file import messages_for
from tests.browser.pages import fits_the_phone
from tests.browser.pages import shot as keep_shot

pytestmark = [pytest.mark.django_db(transaction=True)]

JOIN_PAGES = {
    "sign-in": "/signin/",
    "sign-in-password": "/signin/?mode=password",
    "sign-up": "/signup/",
    "sign-up-company": "/signup/company/",
    "password-reset": "/password-reset/",
    "terms": "/legal/terms/",
    "privacy": "/legal/privacy/",
}


def shot(page, name: str) -> None:
    keep_shot(page, f"join-{name}", full_page=True)


def code_for(phone: str, folder, *, after: int = 0) -> str:
    """The code of the newest message to ``phone`` beyond the first ``after`` (it is written before
    the page that says "sent" is answered; a moment's grace all the same)."""
    deadline = time.monotonic() + 5
    while True:
        found = messages_for(phone, directory=folder)
        if len(found) > after:
            return found[-1]["params"]["code"]
        assert time.monotonic() < deadline, f"no new SMS to {phone}"
        time.sleep(0.1)


def get_code(page, phone: str, folder) -> str:
    """Type her number and tap "获取验证码": the page comes back with the number kept and the button
    counting down."""
    before = len(messages_for(phone, directory=folder))
    page.fill("input[name=phone]", phone)
    with page.expect_navigation():
        page.click("button[data-code-button]")
    assert page.input_value("input[name=phone]") == phone
    page.wait_for_function("() => document.querySelector('[data-code-button]').disabled")
    assert "秒后重新获取" in page.text_content("button[data-code-button]")
    return code_for(phone, folder, after=before)


def submit(page) -> None:
    with page.expect_navigation():
        page.click("button.btn.wide")


def test_a_mother_signs_up_forgets_her_password_and_signs_in_again(server, sms_folder, phone):
    number = "13912345601"
    page = phone()
    page.goto(f"{server}/signin/")
    page.click("text=第一次来？注册")
    page.wait_for_url(f"{server}/signup/")

    code = get_code(page, number, sms_folder)
    page.fill("input[name=code]", code)
    page.fill("input[name=display_name]", "小林")
    page.fill("input[name=region]", "广东省佛山市")
    page.fill("input[name=password]", "first-long-password")
    page.check("input[name=cares]")
    page.check("input[name=agree]")
    shot(page, "sign-up-filled")
    submit(page)

    # she lands signed in on her setup, her city already filled in from her region
    page.wait_for_url(f"{server}/m/setup/")
    assert "欢迎加入 Homeslot" in page.text_content("main")
    assert page.input_value("input[name=city]") == "广东省佛山市"
    assert fits_the_phone(page)
    shot(page, "after-sign-up")
    user = User.objects.get(phone="+86" + number)
    assert user.worker_profile.region == "广东省佛山市"

    # her other phone is signed in with the first password
    other = phone()
    other.goto(f"{server}/signin/?mode=password")
    other.fill("input[name=phone]", number)
    other.fill("input[name=password]", "first-long-password")
    submit(other)
    other.wait_for_url(f"{server}/m/setup/")

    # she signs out, and has forgotten her password
    with page.expect_navigation():
        page.click("#signout button")
    page.goto(f"{server}/signin/")
    page.click("text=忘记密码")
    page.wait_for_url(f"{server}/password-reset/")
    cache.clear()  # a minute later: one code a minute to a number, whatever it is for
    code = get_code(page, number, sms_folder)
    page.fill("input[name=code]", code)
    page.fill("input[name=new_password]", "second-long-password")
    submit(page)
    page.wait_for_url(f"{server}/m/setup/")
    assert "其他手机或电脑上的登录都已退出" in page.text_content("main")
    shot(page, "after-reset")

    other.goto(f"{server}/m/")
    assert "/signin/" in other.url  # the other phone was signed out

    # signing out again, she signs in with the new password
    with page.expect_navigation():
        page.click("#signout button")
    page.goto(f"{server}/signin/")
    page.click("text=密码登录")
    page.fill("input[name=phone]", number)
    page.fill("input[name=password]", "second-long-password")
    submit(page)
    page.wait_for_url(f"{server}/m/setup/")


def test_a_wrong_code_is_said_in_her_words(server, sms_folder, phone):
    number = "13912345602"
    page = phone()
    page.goto(f"{server}/signup/")
    right = get_code(page, number, sms_folder)
    page.fill("input[name=code]", "000000" if right != "000000" else "111111")
    page.fill("input[name=display_name]", "小周")
    page.fill("input[name=region]", "佛山市")
    page.check("input[name=cares]")
    page.check("input[name=agree]")
    submit(page)

    assert "验证码不对或已过期" in page.text_content("main")
    assert page.input_value("input[name=phone]") == number
    assert not User.objects.filter(phone="+86" + number).exists()
    shot(page, "sign-up-wrong-code")


def test_a_company_admin_signs_up_and_her_company_waits_for_approval(server, sms_folder, phone):
    number = "13912345603"
    page = phone()
    page.goto(f"{server}/signup/")
    page.click("text=企业入驻")
    page.wait_for_url(f"{server}/signup/company/")

    code = get_code(page, number, sms_folder)
    page.fill("input[name=code]", code)
    page.fill("input[name=display_name]", "陈经理")
    page.check("input[name=agree]")
    submit(page)

    page.wait_for_url(f"{server}/signup/company/")
    assert "统一社会信用代码" in page.text_content("main")
    page.fill("input[name=name]", "佛山巧手手工坊")
    page.fill("input[name=credit_code]", "91350100M000100Y43")
    page.fill("input[name=region]", "广东省佛山市")
    page.fill("input[name=contact_name]", "陈经理")
    page.fill("input[name=contact_phone]", number)
    shot(page, "company-filled")
    submit(page)

    page.wait_for_url(f"{server}/signup/company/")
    assert "等待审核" in page.text_content("main")
    assert fits_the_phone(page)
    shot(page, "company-waiting")
    assert Company.objects.get(name="佛山巧手手工坊").status == CompanyStatus.PENDING

    page.click("text=进入工作台")
    page.wait_for_url(f"{server}/work/")
    assert "企业审核中" in page.text_content("body")
    shot(page, "workspace-pending")


# What she taps on these pages (links inside a sentence, like the texts' names in the agreement, are
# exempt from the target size, as WCAG 2.5.8 allows; a checkbox is tapped through its label).
TAPPABLE = (
    "button, input:not([type=hidden]):not([type=checkbox]):not(.default-submit), .links a, .switch a, label.check"
)


def small_tap_targets(page) -> list[str]:
    """Visible things she taps that are less than 44 px high."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && box.height < 44 && box.left >= 0;
        }).map((el) => el.outerHTML.slice(0, 80))""",
        TAPPABLE,
    )


@pytest.mark.parametrize("name", list(JOIN_PAGES))
def test_every_page_of_joining_fits_the_phone(server, phone, name):
    page = phone()
    page.goto(server + JOIN_PAGES[name])

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert fits_the_phone(page)
    assert small_tap_targets(page) == []
    shot(page, name)

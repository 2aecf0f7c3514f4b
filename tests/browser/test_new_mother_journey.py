"""A new mother's first day, in real Chromium at 360 × 740 in Chinese, against the real server (daphne
on PostgreSQL + Redis), nobody having made her account: she signs up with the code the server texted
her (the file SMS backend, read back here), says who she is and when she can work, says where her pay
goes, claims a task and hands it in; then she forgets her password and resets it with a new code.
Every step is checked in the database too; the payout number she typed is kept sealed and shown masked
(the bank file that holds it in full: tests/ledger/test_bank_file.py)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Consent, User
from core import sealing
from tasks import services
from tasks.models import Claim, Submission
from tests import factories
from tests.browser.pages import fits_the_phone, shot
from tests.browser.test_join_pages import get_code, submit
from workers.models import PayoutAccount

pytestmark = [pytest.mark.django_db(transaction=True)]

NUMBER = "13912345688"
CARD = "6222021234567890128"  # passes the Luhn check


@pytest.fixture
def bags(supervisor, company):
    """An assembly project with a slot tomorrow 09:00–11:00."""
    project = factories.project(supervisor, company, title="帆布袋穿绳", tasks=2)
    day = timezone.localdate() + datetime.timedelta(days=1)
    at = lambda hour: timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))  # noqa: E731
    services.slot_create(actor=supervisor, project_id=project.pk, starts_at=at(9), ends_at=at(11), capacity=10)
    return project


def test_a_new_mother_joins_sets_her_hours_and_payout_account_claims_hands_in_and_resets_her_password(
    server, sms_folder, phone, bags
):
    page = phone()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # 1. She signs up with the code the server texted her.
    page.goto(f"{server}/signup/")
    page.fill("input[name=code]", get_code(page, NUMBER, sms_folder))
    page.fill("input[name=display_name]", "小林")
    page.fill("input[name=region]", "佛山市")
    page.fill("input[name=password]", "first-long-password")
    page.check("input[name=cares]")
    page.check("input[name=agree]")
    submit(page)
    page.wait_for_url(f"{server}/m/setup/")
    mother = User.objects.get(phone="+86" + NUMBER)
    assert set(Consent.objects.filter(user=mother).values_list("document", flat=True)) == {
        "terms",
        "privacy",
        "caregiver",
    }

    # 2. Who she is, then when she can work: tomorrow 08:00–12:00.
    page.fill("input[name=city]", "佛山市")
    page.fill("input[name=children_under_12]", "1")
    page.fill("input[name=youngest_birth_year]", str(timezone.localdate().year - 3))
    page.get_by_role("button", name="保存，下一步").click()
    page.wait_for_url(f"{server}/m/hours/")
    weekday = (timezone.localdate() + datetime.timedelta(days=1)).weekday()
    row = page.locator("fieldset.week-row").first
    for box in row.locator("input[type=checkbox]").all():
        box.set_checked(int(box.get_attribute("value")) == weekday, force=True)
    row.locator("input[name=rows-0-start]").fill("08:00")
    row.locator("input[name=rows-0-end]").fill("12:00")
    page.get_by_role("button", name="保存我的时间").click()
    page.wait_for_url(f"{server}/m/")
    assert list(mother.worker_profile.availability.values_list("weekday", flat=True)) == [weekday]

    # 3. Where her pay goes: her first account needs no code, and is shown masked from then on.
    page.goto(f"{server}/m/me/")
    page.get_by_role("link", name="收款账户").click()
    page.wait_for_url(f"{server}/m/payout-account/")
    page.check("input[name=method][value=bank]")
    page.fill("input[name=account_name]", "林小花")
    page.fill("input[name=account_number]", "6222 0212 3456 7890 128")
    page.fill("input[name=bank_name]", "中国工商银行")
    page.click("#payout-form button:not([type=button])")
    page.wait_for_selector("#account-masked")
    assert page.inner_text("#account-masked") == "****0128" and CARD not in page.content()
    assert fits_the_phone(page)
    account = PayoutAccount.objects.get(worker=mother)
    assert sealing.unseal(account.number_sealed) == CARD and CARD not in account.number_sealed

    # 4. She claims a task from the hall and hands it in.
    page.goto(f"{server}/m/")
    page.locator("article", has_text="帆布袋穿绳").first.get_by_role("button", name="领一个").click()
    page.wait_for_url("**/m/claims/*/")
    page.fill("input[name=completed_units]", "10")
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    assert Claim.objects.get(worker=mother).task.project_id == bags.pk
    assert Submission.objects.get(worker=mother).submitted_units == 10
    shot(page, "new-mother-handed-in")

    # 5. Days later she has forgotten her password: a new code, a new password, signed in again.
    with page.expect_navigation():
        page.click("#signout button")
    page.goto(f"{server}/signin/")
    page.click("text=忘记密码")
    page.wait_for_url(f"{server}/password-reset/")
    cache.clear()  # a minute later: one code a minute to a number, whatever it is for
    page.fill("input[name=code]", get_code(page, NUMBER, sms_folder))
    page.fill("input[name=new_password]", "second-long-password")
    submit(page)
    page.wait_for_url(lambda url: url.startswith(f"{server}/m/"))
    mother.refresh_from_db()
    assert mother.check_password("second-long-password") and not mother.check_password("first-long-password")
    assert errors == []

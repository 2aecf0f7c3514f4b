"""Her notification settings in real Chromium at 360 px, in Chinese: the switches and quiet hours
save, and the button that turns phone notifications on is offered when the server has VAPID keys."""

import datetime

import pytest

from notices.models import NoticeSettings
from tests.browser.pages import fits_the_phone, shot, sign_in
from tests.notices.pushservice import vapid_keys

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_her_switches_and_quiet_hours_save(live_server, phone, mother, settings):
    settings.HOMESLOT_VAPID_PUBLIC_KEY, settings.HOMESLOT_VAPID_PRIVATE_KEY = vapid_keys()
    settings.HOMESLOT_VAPID_SUBJECT = "mailto:ops@homeslot.test"
    mother.worker_profile.youngest_birth_year = 2021
    mother.worker_profile.save()
    page = phone()
    sign_in(page, live_server.url, mother, "/m/hours/")

    page.get_by_role("link", name="通知和免打扰时间").click()
    page.wait_for_url("**/m/notifications/")
    assert page.get_by_role("heading", name="通知").is_visible()
    assert page.get_by_role("button", name="开启手机通知").is_visible()
    assert fits_the_phone(page)
    page.get_by_label("审核结果").uncheck()
    page.get_by_label("收入已发放到您的账户").uncheck()
    page.fill("input[name=quiet_start]", "21:30")
    page.fill("input[name=quiet_end]", "06:30")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()

    assert "通知设置已保存" in page.inner_text("main")
    saved = NoticeSettings.objects.get(user=mother)
    assert (saved.push_reviews, saved.push_reminders, saved.sms_payouts, saved.sms_reminders) == (
        False,
        True,
        False,
        True,
    )
    assert (saved.quiet_start, saved.quiet_end) == (datetime.time(21, 30), datetime.time(6, 30))
    assert page.get_by_label("审核结果").is_checked() is False  # the page shows what was saved
    shot(page, "mother-notifications")

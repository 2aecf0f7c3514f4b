"""A mother sees the standard where she chooses work: the badge and "按时结算 100% · 实测时薪 ¥30" on
the company's task card, and behind it the company's page with every indicator explained."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from standards import services
from tasks import services as task_services
from tests import factories
from tests.browser.pages import fits_the_phone, shot, sign_in
from tests.standards.test_badge import NOW, good_record

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_mother_sees_the_badge_on_the_card_and_the_company_page(phone, server, company, supervisor, finance, mom):
    good_record(company, supervisor, finance)
    assert services.standing_update(company_id=company.pk, now=NOW).badge is True
    # Work to claim tomorrow morning.
    project = factories.project(supervisor, company, kind="copywriting", tasks=2, title="新品文案")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(9)))
    task_services.slot_create(
        actor=supervisor,
        project_id=project.pk,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=5,
    )
    page = phone()
    sign_in(page, server, mom, "/m/")
    card = page.locator(f"#project-{project.pk}")
    expect(card.locator(".tag.standard")).to_have_text("🏅 妈妈岗规范企业")
    expect(card.locator(".standard-line a")).to_contain_text("按时结算 100% · 实测时薪 ¥30")
    shot(page, "mother-hall-standard")
    card.locator(".standard-line a").click()
    page.wait_for_url(f"{server}/companies/{company.pk}/")
    expect(page.locator("#badge")).to_contain_text("妈妈岗规范企业")
    expect(page.locator("#indicators li")).to_have_count(10)
    expect(page.locator("#indicator-hourly_pay")).to_contain_text("¥30")
    expect(page.locator("#indicator-hourly_pay")).to_contain_text("达标")
    expect(page.locator("#indicator-appeals_overturned")).to_contain_text("数据太少")
    assert fits_the_phone(page)
    shot(page, "company-standard", full_page=True)

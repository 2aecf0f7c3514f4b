"""A supervisor's and finance's day without detours, in Chromium at 1366 × 768: the decision bar of a
long hand-in on the first screen; the floor warning as the numbers are typed; slots edited and deleted;
adjustments asked for and approved by a second person on the pages."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from ledger import selectors as ledger_selectors
from tasks import services
from tasks.models import Kind
from tests import factories
from tests.browser.pages import shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]

LONG_TEXT = "这款保温杯小巧轻便，一只手就能拿稳。\n" * 150  # about 3,000 px of hand-in


@pytest.fixture
def desk(chromium):
    """A laptop of 1366 × 768, in Chinese."""
    contexts = []

    def open_page():
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def on_first_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768


def test_the_decision_bar_of_a_long_hand_in_is_on_the_first_screen(on_postgres, live_server, desk, supervisor, company):
    writing = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    submission = factories.handed_in(supervisor, writing, text=LONG_TEXT)
    page = desk()
    sign_in(page, live_server.url, supervisor, f"/work/review/{submission.pk}/")

    assert page.evaluate("document.scrollingElement.scrollHeight") > 2500  # a long hand-in
    for key in "APRV":
        assert on_first_screen(page.locator(f"#decision-bar button[data-key={key}]")), key
    page.mouse.wheel(0, 1500)  # halfway down, still there
    page.wait_for_timeout(200)
    assert on_first_screen(page.locator("#decision-bar button[data-key=A]"))
    shot(page, "supervisor-review-decision-bar")
    page.locator("#decision-bar button[data-key=A]").click()
    page.wait_for_load_state("load")
    submission.refresh_from_db()
    assert submission.status == "accepted"


def test_the_floor_warning_shows_as_the_numbers_are_typed_before_saving(on_postgres, live_server, desk, supervisor):
    page = desk()
    sign_in(page, live_server.url, supervisor, "/work/projects/new")

    page.fill("[name=minutes_per_unit]", "1")
    page.fill("[name=region]", "广东省佛山市")
    page.fill("[name=piece_rate]", "0.2")
    warning = page.locator("#floor-check")
    expect(warning).to_have_text("约合时薪 ¥12.00，低于佛山市最低小时工资 ¥18.60。计件单价至少 ¥0.31 才能发布。")
    expect(warning).to_have_class("msg warning")
    shot(page, "supervisor-project-floor-warning")

    page.fill("[name=piece_rate]", "0.35")
    expect(warning).to_have_text("约合时薪 ¥21.00，不低于佛山市最低小时工资 ¥18.60。")
    page.fill("[name=region]", "云南省昆明市")
    expect(warning).to_contain_text("这个地区还没有登记最低小时工资")


def test_a_slot_is_edited_deleted_and_one_with_claims_cancelled_on_the_page(
    on_postgres, live_server, desk, supervisor, company
):
    beads = factories.project(supervisor, company, title="串珠手链", tasks=3)
    empty = factories.slot(supervisor, beads, capacity=10)
    held = factories.slot(supervisor, beads, capacity=10, starts_in=datetime.timedelta(hours=4))
    mother = factories.mother()
    claim = services.task_claim_next(
        worker=mother, project_id=beads.pk, slot_id=held.pk, confirm_outside_availability=True
    )
    page = desk()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, supervisor, f"/work/projects/{beads.pk}/slots")

    row = page.locator(f"#slot-{empty.pk}")
    row.get_by_text("修改").click()
    row.locator(f"[name=s{empty.pk}-capacity]").fill("4")
    row.get_by_role("button", name="保存").click()
    expect(page.locator(".ok")).to_have_text("时段已修改。")
    empty.refresh_from_db()
    assert empty.capacity == 4

    held_row = page.locator(f"#slot-{held.pk}")
    held_row.get_by_text("修改").click()
    assert held_row.get_by_role("button", name="删除").count() == 0  # claimed in: cancel, not delete
    held_row.locator(f"[name=s{held.pk}-capacity]").fill("2")
    held_row.get_by_role("button", name="保存").click()
    expect(page.locator("p.error")).to_contain_text("只能扩大")
    shot(page, "supervisor-slots-edit")

    page.locator(f"#slot-{empty.pk}").get_by_text("修改").click()
    page.locator(f"#slot-{empty.pk}").get_by_role("button", name="删除").click()
    expect(page.locator(f"#slot-{empty.pk}")).to_have_count(0)

    held_row = page.locator(f"#slot-{held.pk}")
    held_row.get_by_text("修改").click()
    held_row.locator("[name=reason]").fill("仓库停电")
    held_row.get_by_role("button", name="取消时段").click()
    expect(page.locator(f"#slot-{held.pk}")).to_contain_text("已取消")
    claim.refresh_from_db()
    assert claim.status == "released"


def test_a_large_bonus_is_asked_for_on_the_page_and_approved_by_a_second_finance_user(
    on_postgres, live_server, desk, company, finance, mother
):
    factories.worked_for(company, mother)
    page = desk()
    sign_in(page, live_server.url, finance, f"/finance/adjustments/?company={company.pk}")

    page.fill("[name=phone]", mother.phone[3:])
    page.fill("[name=amount]", "800")
    page.fill("[name=reason]", "季度全勤奖")
    page.get_by_role("button", name="入账或提交审批").click()
    expect(page.locator(".ok")).to_have_text("已提交：等待另一位财务审批。")
    row = page.locator("tr", has_text="季度全勤奖")
    expect(row).to_contain_text("等待另一位财务审批：这是您提交的。")
    assert row.get_by_role("button", name="批准").count() == 0  # not hers to approve
    shot(page, "finance-adjustments")

    second = desk()
    sign_in(
        second, live_server.url, factories.staff(company, Role.FINANCE), f"/finance/adjustments/?company={company.pk}"
    )
    second.locator("tr", has_text="季度全勤奖").get_by_role("button", name="批准").click()
    expect(second.locator(".ok")).to_have_text("已批准并入账。")
    assert ledger_selectors.payable_balances(company_id=company.pk)[mother.pk] == 80_000

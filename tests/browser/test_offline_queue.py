"""Her phone on a bad network (Chromium at 360 px, ``context.set_offline``): 领一个 and 交活 tapped
offline wait on the phone as 待发送 and go out once she is back, exactly once; what came of them is
said in words; no navigation ever ends on the browser's error page; Back after 交活 shows 已交."""

import pytest
from playwright.sync_api import expect

from tasks import services
from tasks.models import Claim, Kind, Submission
from tests import factories
from tests.browser.pages import fits_the_phone, shot, sign_in
from tests.browser.test_mother_pages import complete_profiles, open_slot

pytestmark = [pytest.mark.django_db(transaction=True)]

TEXT = (
    "这款保温杯小巧轻便，一只手就能拿稳，早上装满热水，到下午还是温的，送孩子上学的路上也能喝上一口热水，真的很贴心。"
)


def controlled(page) -> None:
    """The service worker controls the page (so it is kept, and the queue's script with it)."""
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000
    )
    page.reload()


def outbox(page) -> str:
    return page.inner_text("#outbox")


def test_claim_and_hand_in_tapped_offline_go_out_once_on_reconnect(
    on_postgres, live_server, phone, supervisor, company, mother
):
    complete_profiles(mother)
    writing = factories.project(supervisor, company, kind=Kind.COPYWRITING, title="商品文案", tasks=2)
    open_slot(supervisor, writing)
    page = phone()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, mother, "/m/")
    controlled(page)

    # 1. Offline, she taps 领一个: it waits on the phone, in words; the page stays (no error page).
    page.context.set_offline(True)
    page.locator(f"#project-{writing.pk}").get_by_role("button", name="领一个").click()
    expect(page.locator("#outbox")).to_contain_text("待发送：领一个「商品文案」")
    assert page.url == f"{live_server.url}/m/" and Claim.objects.count() == 0
    assert fits_the_phone(page)
    shot(page, "mother-offline-queued")

    # 2. Back online: it goes out by itself, and she is told it is hers.
    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("已送达：「商品文案」领到了。", timeout=15_000)
    claim = Claim.objects.get()
    assert claim.worker == mother and claim.project == writing
    page.reload()  # opened again: nothing is sent twice
    page.wait_for_timeout(500)
    assert Claim.objects.count() == 1

    # 3. On the task's page, offline, she writes and taps 交活: it waits; online, it is handed in once.
    page.goto(f"{live_server.url}/m/claims/{claim.pk}/")
    page.fill("textarea", TEXT)
    page.context.set_offline(True)
    page.get_by_role("button", name="交活").click()
    expect(page.locator("#outbox")).to_contain_text("待发送：交活「商品文案")
    assert Submission.objects.count() == 0
    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("交上了，等待审核", timeout=15_000)
    handed = Submission.objects.get()
    assert handed.claim == claim and handed.text == TEXT
    page.goto(f"{live_server.url}/m/claims/")
    page.wait_for_timeout(500)
    assert Submission.objects.count() == 1 and Claim.objects.count() == 1
    assert errors == []


def test_a_claim_queued_offline_that_someone_else_took_says_so(
    on_postgres, live_server, phone, supervisor, company, mother, other_mother
):
    complete_profiles(mother, other_mother)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=1)
    slot = open_slot(supervisor, beads)
    page = phone()
    sign_in(page, live_server.url, mother, "/m/")
    controlled(page)

    page.context.set_offline(True)
    page.locator(f"#project-{beads.pk}").get_by_role("button", name="领一个").click()
    expect(page.locator("#outbox")).to_contain_text("待发送")
    services.task_claim_next(worker=other_mother, project_id=beads.pk, slot_id=slot.pk)

    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_contain_text("「串珠手链」刚被别人领走了。", timeout=15_000)
    assert list(Claim.objects.values_list("worker_id", flat=True)) == [other_mother.pk]


def test_offline_no_navigation_ends_on_the_browsers_error_page(
    on_postgres, live_server, phone, supervisor, company, mother
):
    complete_profiles(mother)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2)
    slot = open_slot(supervisor, beads)
    claim = services.task_claim_next(worker=mother, project_id=beads.pk, slot_id=slot.pk)
    page = phone()
    sign_in(page, live_server.url, mother, f"/m/claims/{claim.pk}/")
    controlled(page)

    page.context.set_offline(True)
    # A page never opened on this phone: the app's own words, not Chromium's dinosaur.
    page.goto(f"{live_server.url}/m/growth/")
    expect(page.locator("#offline")).to_be_visible()
    # A form that is not queued (giving the task back), sent offline: told it may not have gone through.
    page.goto(f"{live_server.url}/m/claims/{claim.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="放弃任务").click()
    expect(page.locator("#not-sent")).to_contain_text("网络断了")
    assert fits_the_phone(page)
    page.context.set_offline(False)
    claim.refresh_from_db()
    assert claim.status == "active"


def test_back_after_handing_in_shows_it_handed_in_not_the_old_form(
    on_postgres, live_server, phone, supervisor, company, mother
):
    complete_profiles(mother)
    writing = factories.project(supervisor, company, kind=Kind.COPYWRITING, title="商品文案", tasks=1)
    slot = open_slot(supervisor, writing)
    claim = services.task_claim_next(worker=mother, project_id=writing.pk, slot_id=slot.pk)
    page = phone()
    sign_in(page, live_server.url, mother, "/m/claims/")
    page.goto(f"{live_server.url}/m/claims/{claim.pk}/")
    page.fill("textarea", TEXT)
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")

    page.go_back()
    expect(page.locator("main")).to_contain_text("已交")
    assert page.locator("#submit-form").count() == 0

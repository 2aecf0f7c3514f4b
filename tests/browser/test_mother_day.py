"""What a real day brings her, in Chromium at 360 × 740: too many pieces typed is said in her words and
her chosen photos stay; the first item to label is on the first screen; a slot that is already running
says how long is left, and one she could no longer finish in is not offered; giving back asks first."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks import services
from tasks.models import Claim, ClaimStatus, Kind, Submission
from tests import factories
from tests.browser.pages import fits_the_phone, shot, sign_in
from tests.browser.test_mother_pages import complete_profiles, open_slot, photo_with_gps

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_too_many_pieces_is_said_in_her_words_and_her_photos_stay(
    on_postgres, live_server, phone, supervisor, company, mother, tmp_path
):
    complete_profiles(mother)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=1, units_per_task=10)
    claim = services.task_claim_next(worker=mother, project_id=beads.pk, slot_id=open_slot(supervisor, beads).pk)
    page = phone()
    sign_in(page, live_server.url, mother, f"/m/claims/{claim.pk}/")

    page.fill("input[name=completed_units]", "12")
    page.set_input_files("#photos", str(photo_with_gps(tmp_path / "IMG_0003.jpg")))
    page.get_by_role("button", name="交活").click()

    expect(page.locator("#pieces-error")).to_have_text("这批一共 10 件，您填了 12。请再数一下，最多填 10。")
    assert page.evaluate("document.getElementById('photos').files.length") == 1  # still chosen
    assert Submission.objects.count() == 0
    page.fill("input[name=completed_units]", "10")
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    assert Submission.objects.get().photos.count() == 1


def test_the_first_item_to_label_is_on_the_first_screen(on_postgres, live_server, phone, supervisor, company, mother):
    complete_profiles(mother)
    labels = factories.project(
        supervisor,
        company,
        kind=Kind.LABELLING,
        title="评论情感",
        tasks=1,
        units_per_task=5,
        instructions="判断每条评论的情感：好评、中评或差评。\n" * 6,
    )
    claim = services.task_claim_next(worker=mother, project_id=labels.pk, slot_id=open_slot(supervisor, labels).pk)
    page = phone()
    sign_in(page, live_server.url, mother, f"/m/claims/{claim.pk}/")

    first = page.locator("fieldset.item.current")
    expect(first).to_be_visible()
    box = first.locator("label").first.bounding_box()
    assert box["y"] + box["height"] <= 740, box  # her first tap without scrolling
    assert fits_the_phone(page)
    shot(page, "mother-labelling-first-screen")


def test_a_running_slot_says_what_is_left_and_giving_back_asks_first(
    on_postgres, live_server, phone, supervisor, company, mother
):
    complete_profiles(mother)
    now = timezone.now()
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2, units_per_task=10)
    services.slot_create(
        actor=supervisor,
        project_id=beads.pk,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(minutes=50),
        capacity=5,
    )
    short = factories.project(supervisor, company, title="最后十分钟", tasks=1, units_per_task=30)
    services.slot_create(
        actor=supervisor,
        project_id=short.pk,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(minutes=10),
        capacity=5,
    )
    page = phone()
    sign_in(page, live_server.url, mother, "/m/")

    card = page.locator(f"#project-{beads.pk}")
    expect(card.locator(".tag.soon")).to_contain_text("还剩 4")  # 49 or so minutes of the slot left
    assert page.locator(f"#project-{short.pk}").count() == 0  # 30 minutes of work, 10 minutes left
    shot(page, "mother-hall-running-slot")

    card.get_by_role("button", name="领一个").click()
    page.wait_for_url("**/m/claims/*/")
    claim = Claim.objects.get()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="放弃任务").click()
    page.wait_for_timeout(300)
    assert asked and "确定放弃这个任务吗" in asked[0]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACTIVE  # she said no: still hers

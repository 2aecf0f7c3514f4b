"""The mothers' app in real Chromium at 360 × 740, in Chinese: her whole day, live; a race for one
task; the offline notice; and the task hall's page weight (a budget in bytes)."""

import datetime
import json
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tasks import services
from tasks.models import Kind, Submission, SubmissionPhoto
from tests import factories
from tests.browser.pages import fits_the_phone, sign_in
from tests.browser.pages import shot as keep_shot

pytestmark = [pytest.mark.django_db(transaction=True)]
WEIGHT_REPORT = Path("/tmp/mother_weight.md")
BUDGET_TOTAL, BUDGET_JS = 100 * 1024, 30 * 1024


def shot(page, name: str) -> None:
    keep_shot(page, f"mother-{name}")


TAPPABLE = "a, button, select, summary, textarea, input[type=text], input[type=number], input[type=time], label.row, .chips span, .labels label"


def small_tap_targets(page) -> list[str]:
    """Visible things she taps that are less than 44 px high (WCAG's target size)."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && box.height < 44;
        }).map((el) => el.outerHTML.slice(0, 80))""",
        TAPPABLE,
    )


def tomorrow_at(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def open_slot(supervisor, project, capacity=50):
    return services.slot_create(
        actor=supervisor, project_id=project.pk, starts_at=tomorrow_at(9), ends_at=tomorrow_at(11), capacity=capacity
    )


@pytest.fixture
def work(supervisor, company):
    """One project of each kind, with a slot tomorrow 09:00–11:00."""
    beads = factories.project(
        supervisor,
        company,
        title="串珠手链",
        tasks=3,
        pickup_point="禅城区金澜路 8 号",
        dropoff_point="禅城区金澜路 8 号前台",
    )
    copy = factories.project(
        supervisor, company, kind=Kind.COPYWRITING, title="商品文案", tasks=2, instructions="每篇 80 字左右，语气亲切。"
    )
    labels = factories.project(supervisor, company, kind=Kind.LABELLING, title="评论情感", tasks=2, units_per_task=3)
    for project in (beads, copy, labels):
        open_slot(supervisor, project)
    return {"beads": beads, "copy": copy, "labels": labels}


def photo_with_gps(path: Path) -> Path:
    image = Image.new("RGB", (2400, 1200), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (23.0, 1.0, 30.0), "E", (113.0, 7.0, 12.0)
    image.save(path, format="JPEG", exif=exif)
    return path


def claim_from_hall(page, base: str, title: str) -> None:
    page.goto(f"{base}/m/")
    page.locator("article", has_text=title).first.get_by_role("button", name="领一个").click()
    page.wait_for_url("**/m/claims/*/")


# --- her day, live -----------------------------------------------------------------------------------


def test_a_mother_signs_in_sets_her_hours_claims_hands_in_and_sees_results_and_pay_live(
    asgi_server, phone, supervisor, work, tmp_path
):
    base = asgi_server
    mother = factories.mother()  # her profile is not complete yet: the app asks first
    page = phone()
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    sign_in(page, base, mother, "/m/")
    assert page.url == f"{base}/m/setup/"
    page.fill("input[name=display_name]", "王妈妈")
    page.fill("input[name=city]", "佛山市")
    page.fill("input[name=children_under_12]", "1")
    page.fill("input[name=youngest_birth_year]", "2022")
    page.get_by_role("button", name="保存，下一步").click()
    page.wait_for_url(f"{base}/m/hours/")

    weekday = (timezone.localdate() + datetime.timedelta(days=1)).weekday()
    first_row = page.locator("fieldset.week-row").first
    first_row.get_by_role("button", name="周一至周五").click()  # a preset, then her own choice on top
    for box in first_row.locator("input[type=checkbox]").all():
        box.set_checked(int(box.get_attribute("value")) == weekday, force=True)
    first_row.locator("input[name=rows-0-start]").fill("08:00")
    first_row.locator("input[name=rows-0-end]").fill("12:00")
    assert page.locator("fieldset.week-row:visible").count() == 1  # more lines on request
    page.get_by_role("button", name="＋ 再加一个时间段").click()
    assert page.locator("fieldset.week-row:visible").count() == 2
    assert fits_the_phone(page) and small_tap_targets(page) == []
    page.get_by_role("button", name="保存我的时间").click()
    page.wait_for_url(f"{base}/m/")
    assert list(mother.worker_profile.availability.values_list("weekday", flat=True)) == [weekday]

    hall = page.inner_text("#hall")
    assert "¥0.50/件" in hall and "约合时薪 ¥30.00" in hall and "适合您的时间" in hall and "禅城区金澜路 8 号" in hall
    assert fits_the_phone(page) and small_tap_targets(page) == []
    shot(page, "hall")

    # assembly: pieces and a photo, made smaller on the phone; its location never reaches the server
    claim_from_hall(page, base, "串珠手链")
    page.fill("input[name=completed_units]", "10")
    page.set_input_files("#photos", str(photo_with_gps(tmp_path / "IMG_0001.jpg")))
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height) == (1600, 800)
    kept = Image.open(photo.image.open("rb"))
    assert len(kept.getexif()) == 0 and b"PhoneMaker" not in photo.image.open("rb").read()

    # copywriting: the draft survives a reload (a dropped connection), and goes when handed in
    claim_from_hall(page, base, "商品文案")
    claim_id = page.locator("#submit-form").get_attribute("data-claim")
    page.fill("textarea[name=text]", "纯棉面料，柔软亲肤，宝宝穿着很舒服。")
    page.wait_for_function(f"() => localStorage.getItem('m-draft-{claim_id}') !== null")
    page.reload()
    assert page.input_value("textarea[name=text]") == "纯棉面料，柔软亲肤，宝宝穿着很舒服。"
    assert "已恢复" in page.inner_text("#draft-note")
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    assert page.evaluate(f"localStorage.getItem('m-draft-{claim_id}')") is None

    # labelling: one item at a time, big buttons and the keyboard
    claim_from_hall(page, base, "评论情感")
    assert page.inner_text("#label-progress") == "0/3"
    assert page.locator("fieldset.item:visible").count() == 1
    page.keyboard.press("1")
    page.wait_for_function("() => document.getElementById('label-progress').textContent === '1/3'")
    page.locator("fieldset.item.current label", has_text="差评").click()
    page.wait_for_function("() => document.getElementById('label-progress').textContent === '2/3'")
    page.keyboard.press("2")
    page.wait_for_function("() => document.getElementById('label-progress').textContent === '3/3'")
    assert small_tap_targets(page) == []
    shot(page, "labelling")
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    labelled = Submission.objects.get(project=work["labels"])
    assert sorted(labelled.labels.values()) == ["中评", "好评", "差评"]

    # review results arrive live on 我的任务
    assert page.locator("#live-claims article").count() == 3 and "等待审核" in page.inner_text("#live-claims")
    by_project = {s.project_id: s for s in Submission.objects.all()}
    services.submission_review(actor=supervisor, submission_id=by_project[work["beads"].pk].pk, decision="accept")
    page.wait_for_function("() => document.getElementById('results').innerText.includes('通过')", timeout=15_000)
    services.submission_review(
        actor=supervisor, submission_id=by_project[work["copy"].pk].pk, decision="revise", reason="请写得更口语一些"
    )
    page.wait_for_function(
        "() => document.getElementById('live-claims').innerText.includes('请写得更口语一些')", timeout=15_000
    )
    assert "修改后重新交" in page.inner_text("#live-claims")
    assert fits_the_phone(page) and small_tap_targets(page) == []
    page.evaluate("window.scrollTo(0, document.getElementById('results').offsetTop - 330)")
    shot(page, "claims")

    # earnings update live when a credit lands
    page.goto(f"{base}/m/earnings/")
    assert page.inner_text("#balance") == "¥5.00"
    assert page.locator("svg.chart rect").count() == 8
    services.submission_review(actor=supervisor, submission_id=by_project[work["labels"].pk].pk, decision="accept")
    page.wait_for_function("() => document.getElementById('balance').textContent === '¥5.11'", timeout=15_000)
    assert "评论情感" in page.inner_text("#earnings") and "+¥0.11" in page.inner_text("#earnings")
    assert fits_the_phone(page) and small_tap_targets(page) == []
    shot(page, "earnings")
    assert script_errors == []


def test_a_task_claimed_elsewhere_counts_down_live_and_new_ones_wait_behind_a_bar(
    asgi_server, phone, supervisor, company, mother, other_mother
):
    profile = mother.worker_profile
    profile.youngest_birth_year = 2022
    profile.save()
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2)
    slot = open_slot(supervisor, beads)
    page = phone()
    sign_in(page, asgi_server, mother, "/m/")
    card = page.locator(f"#project-{beads.pk}")
    expect(card.locator("[data-count]")).to_have_text("还剩 2 个任务")
    page.wait_for_timeout(500)  # the socket is up and following the project

    services.task_claim_next(worker=other_mother, project_id=beads.pk, slot_id=slot.pk)
    expect(card.locator("[data-count]")).to_have_text("还剩 1 个任务", timeout=15_000)

    services.project_split(actor=supervisor, project_id=beads.pk, total_units=20, units_per_task=10)
    page.wait_for_selector("#newbar:visible", timeout=15_000)
    assert page.inner_text("#newbar") == "2 个新任务 — 点击查看"
    expect(card.locator("[data-count]")).to_have_text("还剩 1 个任务")  # the list did not move under her thumb
    page.click("#newbar")
    expect(card.locator("[data-count]")).to_have_text("还剩 3 个任务", timeout=15_000)
    assert page.locator("#newbar").is_hidden()

    services.task_claim_next(worker=other_mother, project_id=beads.pk, slot_id=slot.pk)
    for _ in range(2):
        services.task_claim_next(worker=factories.mother(), project_id=beads.pk, slot_id=slot.pk)
    card.wait_for(state="detached", timeout=15_000)  # the last one went: the card goes with it


# --- two phones, one task ------------------------------------------------------------------------------------


def complete_profiles(*mothers):
    for mom in mothers:
        mom.worker_profile.youngest_birth_year = 2021
        mom.worker_profile.save()


def test_two_mothers_tap_the_last_task_and_the_slower_one_is_told_kindly(
    on_postgres, live_server, phone, supervisor, company, mother, other_mother
):
    third = factories.mother()
    complete_profiles(mother, other_mother, third)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2)
    open_slot(supervisor, beads)
    hers, theirs, late = phone(), phone(), phone()
    for page, mom in ((hers, mother), (theirs, other_mother), (late, third)):
        sign_in(page, live_server.url, mom, "/m/")

    # Two taps on 领一个 of a project with two left: each gets her own task.
    hers.locator(f"#project-{beads.pk}").get_by_role("button", name="领一个").click()
    hers.wait_for_url("**/m/claims/*/")
    theirs.locator(f"#project-{beads.pk}").get_by_role("button", name="领一个").click()
    theirs.wait_for_url("**/m/claims/*/")
    claims = {c.worker_id: c.task_id for c in beads.claims.all()}
    assert len(claims) == 2 and claims[mother.pk] != claims[other_mother.pk]

    # A third phone still showing the card (no socket on this server) taps after both: told so, in words.
    late.locator(f"#project-{beads.pk}").get_by_role("button", name="领一个").click()
    late.wait_for_url(f"{live_server.url}/m/")
    assert "这个项目的任务都被领完了" in late.inner_text("main")
    assert late.locator(f"#project-{beads.pk}").count() == 0 and beads.claims.count() == 2


# --- with JavaScript off ------------------------------------------------------------------------------------------


def test_with_javascript_off_she_still_claims_and_hands_in(
    on_postgres, live_server, chromium, supervisor, company, mother, tmp_path
):
    complete_profiles(mother)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2)
    labels = factories.project(supervisor, company, kind=Kind.LABELLING, title="评论情感", tasks=1, units_per_task=2)
    for project in (beads, labels):
        open_slot(supervisor, project)
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, mother, "/m/")

    claim_from_hall(page, live_server.url, "串珠手链")
    page.fill("input[name=completed_units]", "9")
    page.set_input_files("#photos", str(photo_with_gps(tmp_path / "IMG_0002.jpg")))
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    submission = Submission.objects.get(project=beads)
    # Sent as taken (2400 px, with GPS): the server shrank it and dropped everything but the pixels.
    assert submission.submitted_units == 9 and [(p.width, p.height) for p in submission.photos.all()] == [(2048, 1024)]
    assert b"PhoneMaker" not in submission.photos.get().image.open("rb").read()

    claim_from_hall(page, live_server.url, "评论情感")
    assert page.locator("fieldset.item:visible").count() == 2  # every item at once, radio buttons
    for item in page.locator("fieldset.item").all():
        item.get_by_label("好评").check()
    page.get_by_role("button", name="交活").click()
    page.wait_for_url("**/m/claims/?submitted=*")
    assert list(Submission.objects.get(project=labels).labels.values()) == ["好评", "好评"]
    context.close()


# --- offline ----------------------------------------------------------------------------------------------------------


def test_offline_she_sees_the_last_task_list_and_is_told_so(
    on_postgres, live_server, phone, supervisor, company, mother
):
    complete_profiles(mother)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2)
    open_slot(supervisor, beads)
    page = phone()
    sign_in(page, live_server.url, mother, "/m/")
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000
    )
    page.reload()  # through the worker now: the task list is kept
    assert page.locator("#offline").is_hidden()

    page.context.set_offline(True)
    page.reload()

    assert page.locator("#offline").is_visible()
    assert page.inner_text("#offline") == "网络断开了，显示的是上次的任务列表"
    assert page.locator("#hall article").count() == 1 and "还剩 2 个任务" in page.inner_text("#hall")
    shot(page, "offline")
    page.context.set_offline(False)


# True when the service worker keeps one viewer's pages, and those are exactly ``path``.
KEPT_ONLY = """async (path) => {
    const names = (await caches.keys()).filter((name) => name.includes("-pages-"));
    if (names.length !== 1) return false;
    const kept = (await (await caches.open(names[0])).keys()).map((request) => new URL(request.url).pathname);
    return kept.length === 1 && kept[0] === path;
}"""


def test_another_mother_on_the_same_phone_never_sees_the_first_ones_pages(
    on_postgres, live_server, phone, supervisor, company, mother, other_mother
):
    complete_profiles(mother, other_mother)
    beads = factories.project(supervisor, company, title="串珠手链", tasks=2)
    services.task_claim_next(worker=mother, project_id=beads.pk, slot_id=open_slot(supervisor, beads).pk)
    page = phone()
    sign_in(page, live_server.url, mother, "/m/claims/")
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000
    )
    page.reload()  # through the worker now: her claims are kept on the phone
    assert page.locator("#live-claims article").count() == 1

    # Her session ends without the sign-out button (it ran out); another mother signs in on the phone.
    page.context.clear_cookies()
    sign_in(page, live_server.url, other_mother, "/m/")
    # The worker has dropped the first mother's pages and kept the second one's task list.
    page.wait_for_function(KEPT_ONLY, arg="/m/", timeout=15_000)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/m/claims/")

    assert page.locator("#live-claims").count() == 0  # not the first mother's claims
    assert page.locator("#hall").count() == 1  # her own task list from a moment ago, and it says so
    assert page.inner_text("#offline") == "网络断开了，显示的是上次的任务列表"

    page.evaluate("() => caches.keys().then((keys) => Promise.all(keys.map((k) => caches.delete(k))))")
    page.goto(f"{live_server.url}/m/earnings/")
    assert page.inner_text("#offline") == "网络断开了，这台手机上没有保存这个页面。请等有网络时再试。"

    page.context.set_offline(False)
    page.goto(f"{live_server.url}/m/")
    page.wait_for_function(KEPT_ONLY, arg="/m/", timeout=15_000)
    page.evaluate("() => localStorage.setItem('m-draft-1', '没写完的文案')")
    page.click("#signout button")
    page.wait_for_url(f"{live_server.url}/")
    assert page.evaluate("() => localStorage.getItem('m-draft-1')") is None
    assert page.evaluate("() => caches.keys()") == []


# --- the page-weight budget ---------------------------------------------------------------------------------------------


def test_the_task_hall_first_load_fits_the_budget(on_postgres, live_server, chromium, supervisor, company, mother):
    complete_profiles(mother)
    for title, kind in (
        ("串珠手链", Kind.ASSEMBLY),
        ("布袋缝制", Kind.ASSEMBLY),
        ("商品文案", Kind.COPYWRITING),
        ("评论情感", Kind.LABELLING),
    ):
        project = factories.project(supervisor, company, kind=kind, title=title, tasks=8, units_per_task=10)
        open_slot(supervisor, project)
    signed = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    sign_in(signed.new_page(), live_server.url, mother, "/m/hours/")
    state = signed.storage_state()
    signed.close()
    # A fresh browser cache and no service worker: what a first visit costs.
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", storage_state=state)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))

    page.goto(f"{live_server.url}/m/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    cards = page.locator("#hall article").count()
    assert cards == 4  # one compact card per project

    rows = []
    for request in finished:
        sizes = request.sizes()
        body, headers = sizes["responseBodySize"], sizes["responseHeadersSize"]
        if body <= 0 and request.response() is not None:
            # Chromium's memory cache (shared by contexts) answered: count the body anyway.
            body = len(request.response().body())
        rows.append(
            {
                "url": request.url.replace(live_server.url, ""),
                "type": request.resource_type,
                "bytes": body + max(headers, 0),
                "body": body,
            }
        )
    context.close()
    total = sum(r["bytes"] for r in rows)
    js = sum(r["bytes"] for r in rows if r["type"] == "script")
    report = [
        "# Task hall (/m/), first load, 360 × 740 Chromium, fresh cache",
        "",
        f"Measured by `tests/browser/test_mother_pages.py::test_the_task_hall_first_load_fits_the_budget` "
        f"({cards} project cards, 8 tasks each) on {timezone.localdate():%Y-%m-%d}, {connection.vendor}.",
        "",
        "| request | type | bytes (headers + body) |",
        "| --- | --- | ---: |",
        *[f"| `{r['url']}` | {r['type']} | {r['bytes']:,} |" for r in rows],
        f"| **total** | | **{total:,}** (budget {BUDGET_TOTAL:,}) |",
        f"| **JavaScript** | | **{js:,}** (budget {BUDGET_JS:,}) |",
        "",
        "Served uncompressed by the test server (a gzip proxy would shrink it further); the WebSocket and the service worker's",
        "own fetches are not counted. Re-measure with:",
        "",
        "    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/pytest -q -s \\",
        "        tests/browser/test_mother_pages.py -k budget   # rewrites /tmp/mother_weight.md",
        "",
    ]
    WEIGHT_REPORT.write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report))
    print(json.dumps(rows))
    assert any(r["url"] == "/m/" and r["type"] == "document" for r in rows)
    assert any(r["type"] == "script" for r in rows)
    assert total <= BUDGET_TOTAL, report
    assert js <= BUDGET_JS, report

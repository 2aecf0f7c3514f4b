"""The supervisors' workspace in real Chromium at laptop size: create and split a project of each
kind (a bad labelling file refused with its line), open slots, review by keyboard (A, P, R, V), and
watch a dashboard move while a mother, in another browser context, claims and submits."""

import io
import re

import pytest

from tasks import jobs, services
from tasks.models import Decision, Kind, LabelItem, Project, Review, SplitJob, SplitStatus, Task, TimeSlot
from tests import factories
from tests.browser.pages import shot as keep_shot
from tests.browser.pages import sign_in

# The live server needs committed data; on SQLite the flush after the test would be a DELETE,
# which the ledger's append-only triggers refuse (PostgreSQL truncates instead).
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Kept uploads (split previews, background splits) go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


def new_project(page, base, *, kind, title, labels=""):
    page.goto(f"{base}/work/projects/new")
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=title]", title)
    page.fill("textarea[name=instructions]", "请先看样品。\n\n- 认真核对\n- 有疑问先问审核员")
    defaults = factories.PROJECT_DEFAULTS[kind]
    page.fill("input[name=piece_rate]", str(defaults["piece_rate"]))
    page.fill("input[name=minutes_per_unit]", str(defaults["minutes_per_unit"]))
    page.fill("input[name=region]", defaults["region"])
    if labels:
        page.fill("textarea[name=label_set]", labels)
    shot(page, f"supervisor-project-form-{kind}")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/split")
    return Project.objects.get(title=title)


def test_create_and_split_a_project_of_each_kind(on_postgres, supervisor, live_server, laptop):
    base = live_server.url
    page = laptop()
    sign_in(page, base, supervisor, "/work/")

    # Assembly: 205 pieces in batches of 50 → a preview with the cost, then five tasks.
    bags = new_project(page, base, kind=Kind.ASSEMBLY, title="帆布袋组装")
    page.fill("input[name=total_units]", "205")
    page.fill("input[name=units_per_task]", "50")
    page.get_by_role("button", name="预览").click()
    assert page.inner_text("#preview-tasks") == "5" and page.inner_text("#preview-cost") == "¥102.50"
    assert Task.objects.filter(project=bags).count() == 0
    shot(page, "supervisor-split-preview")
    page.get_by_role("button", name="生成 5 个任务").click()
    page.wait_for_url(f"**/work/projects/{bags.pk}/")
    assert "已生成 5 个任务" in page.inner_text("[role=status]")
    assert page.inner_text("tr[data-state=open] [data-count]") == "5"

    # Copywriting: briefs pasted one per line.
    copy = new_project(page, base, kind=Kind.COPYWRITING, title="童装详情页文案")
    page.fill("textarea[name=briefs]", "连衣裙详情页\n夏季T恤卖点\n儿童雨衣说明")
    page.get_by_role("button", name="预览").click()
    assert page.inner_text("#preview-tasks") == "3" and page.inner_text("#preview-cost") == "¥45.00"
    page.get_by_role("button", name="生成 3 个任务").click()
    page.wait_for_url(f"**/work/projects/{copy.pk}/")
    assert list(Task.objects.filter(project=copy).values_list("brief", flat=True)) == [
        "连衣裙详情页",
        "夏季T恤卖点",
        "儿童雨衣说明",
    ]

    # Labelling: a broken file is refused with its line and makes nothing; then the right column.
    reviews = new_project(page, base, kind=Kind.LABELLING, title="商品评论标注", labels="好评\n中评\n差评")
    broken = '{"comment": "很好"}\n{"comment": "一般"}\n{"comment": 没有引号}\n'
    page.set_input_files(
        "input[name=file]", files=[{"name": "bad.jsonl", "mimeType": "application/json", "buffer": broken.encode()}]
    )
    page.fill("input[name=text_field]", "comment")
    page.fill("input[name=items_per_task]", "2")
    page.get_by_role("button", name="预览").click()
    assert "第 3 行" in page.inner_text("#split-error")
    assert Task.objects.filter(project=reviews).count() == 0 and LabelItem.objects.count() == 0

    good = "id,comment,stars\n1,很好用,5\n2,一般般,3\n3,不推荐,1\n4,还会再买,5\n5,包装破了,2\n"
    page.set_input_files(
        "input[name=file]", files=[{"name": "reviews.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.fill("input[name=text_field]", "text")  # not a column of this file
    page.get_by_role("button", name="预览").click()
    assert "“text”" in page.inner_text("#split-error") and "id、comment、stars" in page.inner_text("#columns")
    page.fill("input[name=text_field]", "comment")
    page.get_by_role("button", name="预览").click()  # the kept file: no second upload
    assert page.inner_text("#preview-tasks") == "3" and "很好用" in page.inner_text("body")
    page.get_by_role("button", name="生成 3 个任务").click()
    page.wait_for_url(f"**/work/projects/{reviews.pk}/")
    assert LabelItem.objects.filter(task__project=reviews).count() == 5

    page.goto(f"{base}/work/")
    for title in ("帆布袋组装", "童装详情页文案", "商品评论标注"):
        assert title in page.inner_text("table")
    shot(page, "supervisor-projects")


def test_a_large_labelling_file_splits_in_the_background_with_a_progress_page(
    on_postgres, supervisor, company, live_server, laptop, settings
):
    settings.HOMESLOT_SPLIT_SYNC_BYTES = 64  # anything but a tiny file goes to the background job
    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.LABELLING,
        title="大文件",
        **factories.PROJECT_DEFAULTS[Kind.LABELLING],
    )
    base = live_server.url
    page = laptop()
    sign_in(page, base, supervisor, f"/work/projects/{project.pk}/split")
    body = "\n".join(f'{{"text": "评论 {i}"}}' for i in range(1, 501))
    page.set_input_files(
        "input[name=file]", files=[{"name": "big.jsonl", "mimeType": "application/json", "buffer": body.encode()}]
    )
    page.fill("input[name=items_per_task]", "50")
    page.get_by_role("button", name="预览").click()
    page.get_by_role("button", name="生成 10 个任务").click()
    page.wait_for_url("**/work/split-jobs/*/")
    assert page.locator("progress").count() == 1 and Task.objects.filter(project=project).count() == 0

    job = SplitJob.objects.get()
    jobs.split_run.call(str(job.pk))  # the worker's turn
    page.wait_for_selector("text=已生成 10 个任务", timeout=10_000)  # the page refreshed itself
    job.refresh_from_db()
    assert job.status == SplitStatus.DONE and LabelItem.objects.filter(task__project=project).count() == 500


def test_open_a_weekly_pattern_and_a_single_slot(on_postgres, supervisor, assembly, live_server, laptop):
    base = live_server.url
    page = laptop()
    sign_in(page, base, supervisor, f"/work/projects/{assembly.pk}/slots")
    # Weekdays are ticked already; 09:00–11:30 for 4 weeks.
    page.fill("input[name=week-start]", "09:00")
    page.fill("input[name=week-end]", "11:30")
    page.fill("input[name=week-weeks]", "4")
    page.fill("input[name=week-capacity]", "6")
    page.get_by_role("button", name="开放这些时段").click()
    page.wait_for_selector("[role=status]")
    made = TimeSlot.objects.filter(project=assembly).count()
    assert 15 <= made <= 20  # today's slot is skipped once it is over
    assert page.locator("#slots tbody tr").count() == made

    page.fill("input[name=one-day]", "2030-06-03")
    page.fill("input[name=one-start]", "14:00")
    page.fill("input[name=one-end]", "13:00")  # before it starts: refused, nothing made
    page.get_by_role("button", name="开放这个时段").click()
    assert "结束" in page.inner_text(".errorlist") and TimeSlot.objects.filter(project=assembly).count() == made
    page.fill("input[name=one-end]", "16:00")
    page.get_by_role("button", name="开放这个时段").click()
    page.wait_for_selector("[role=status]")
    assert TimeSlot.objects.filter(project=assembly).count() == made + 1
    assert "0 / 6" in page.inner_text("#slots")
    shot(page, "supervisor-slots")


def _png() -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (640, 420), (214, 196, 160))
    for x in range(120, 520):
        for y in range(120, 300):
            picture.putpixel((x, y), (180, 35, 90))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_review_each_decision_by_keyboard(on_postgres, supervisor, company, live_server, laptop):
    assembly = factories.project(
        supervisor, company, tasks=4, units_per_task=10, instructions="按样品缝制，线头剪干净。"
    )
    labelling = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=4)
    slot = factories.slot(supervisor, assembly)
    label_slot = factories.slot(supervisor, labelling)

    def hand_in(project, project_slot, **content):
        mother = factories.mother()
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=project_slot.pk, confirm_outside_availability=True
        )
        if project.kind == Kind.LABELLING:
            items = LabelItem.objects.filter(task_id=claim.task_id)
            content = {"labels": {str(item.pk): "好评" for item in items}}
        return services.claim_submit(worker=mother, claim_id=claim.pk, **content)

    photo = {"name": "bags.png", "content": _png()}
    from django.core.files.uploadedfile import SimpleUploadedFile

    first = hand_in(
        assembly, slot, completed_units=10, photos=[SimpleUploadedFile(photo["name"], photo["content"], "image/png")]
    )
    second = hand_in(labelling, label_slot)
    third = hand_in(assembly, slot, completed_units=10)
    fourth = hand_in(assembly, slot, completed_units=9)

    base = live_server.url
    page = laptop()
    sign_in(page, base, supervisor, "/work/review/")
    page.wait_for_url(f"**/work/review/{first.pk}/")
    assert page.locator(".photos img").count() == 1
    # served to staff (a lazy image: the page's load event does not wait for it, decode() does)
    assert page.locator(".photos img").evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 640
    assert "按样品缝制" in page.inner_text("section[aria-labelledby=brief-title]")
    shot(page, "supervisor-review")

    # A accepts at once; the next submission loads.
    page.keyboard.press("a")
    page.wait_for_url(f"**/work/review/{second.pk}/")
    assert Review.objects.get(submission=first).decision == Decision.ACCEPT

    # P on labelling: untick two items in the grid, pick reason 1, P again sends — 2 of 4 pass.
    boxes = page.locator(".item input")
    assert boxes.count() == 4
    boxes.nth(1).click()
    boxes.nth(3).click()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("p")
    page.keyboard.press("1")
    assert page.input_value("#reason") != ""
    assert page.inner_text("#items-ticked") == "2"
    assert page.locator(".reason-group[data-for=partial]").is_visible()
    assert page.locator(".reason-group[data-for=reject]").is_hidden()
    shot(page, "supervisor-review-labelling")
    page.keyboard.press("p")
    page.wait_for_url(f"**/work/review/{third.pk}/")
    review = Review.objects.get(submission=second)
    assert (review.decision, review.accepted_units) == (Decision.PARTIAL, 2)

    # R: choose, a ready reason, R again.
    page.keyboard.press("r")
    page.keyboard.press("1")
    page.keyboard.press("r")
    page.wait_for_url(f"**/work/review/{fourth.pk}/")
    assert Review.objects.get(submission=third).decision == Decision.REJECT

    # V without a reason is refused with a readable message; then a typed reason and Ctrl+Enter.
    page.keyboard.press("v")
    page.keyboard.press("v")
    page.wait_for_selector("[role=alert]")
    assert "原因" in page.inner_text("[role=alert]") and not Review.objects.filter(submission=fourth).exists()
    page.keyboard.press("v")
    page.fill("#reason", "第 3 件的拉链没有缝好，请修改后再交。")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=都审完了")
    review = Review.objects.get(submission=fourth)
    assert review.decision == Decision.REVISE and "拉链" in review.reason
    assert page.inner_text("#queue-count") == "0"


# Remembers the page's sockets and what it sends, so a test can drop the connection and see the resume.
WATCH_SOCKETS = """
window.__sockets = []; window.__sent = [];
const Native = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const socket = new Native(url, protocols);
  const send = socket.send.bind(socket);
  socket.send = (data) => { window.__sent.push(JSON.parse(data)); send(data); };
  window.__sockets.push(socket);
  return socket;
};
window.WebSocket.prototype = Native.prototype;
"""


def test_the_dashboard_moves_live_while_a_mother_claims_and_submits(
    supervisor, company, mother, asgi_server, laptop, chromium
):
    project = factories.project(supervisor, company, tasks=4, units_per_task=10, title="帆布袋组装（直播）")
    slot = factories.slot(supervisor, project)
    base = asgi_server

    page = laptop()
    page.context.add_init_script(WATCH_SOCKETS)
    sign_in(page, base, supervisor, f"/work/projects/{project.pk}/")
    page.wait_for_selector(".workspace[data-live-state=live]", timeout=15_000)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloaded instead of updating
    assert page.get_attribute("#progress-cards", "data-claimed") == "0"
    assert {"type": "follow", "project": project.pk} in page.evaluate("window.__sent")
    queue = page.context.new_page()  # a second tab on the empty review queue
    queue.goto(f"{base}/work/review/")
    assert "都审完了" in queue.inner_text("body")
    queue.wait_for_selector(".workspace[data-live-state=live]", timeout=15_000)

    # The mother, in a browser context of her own, through the API with her token.
    phone = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        api = phone.request
        token = api.post(
            f"{base}/api/v1/auth/token", data={"phone": mother.phone[3:], "password": factories.PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Token {token}"}
        first, second = Task.objects.filter(project=project).order_by("pk")[:2]
        claimed = api.post(
            f"{base}/api/v1/tasks/{first.pk}/claim",
            data={"slot": slot.pk, "confirm_outside_availability": True},
            headers=auth,
        )
        assert claimed.status == 201, claimed.text()
        claim_id = claimed.json()["id"]
        page.wait_for_selector("#progress-cards[data-claimed='1']", timeout=10_000)
        assert page.inner_text("tr[data-state=open] [data-count]") == "3"

        handed_in = api.post(f"{base}/api/v1/claims/{claim_id}/submit", data={"completed_units": 10}, headers=auth)
        assert handed_in.status == 201, handed_in.text()
        submission_id = handed_in.json()["id"]
        page.wait_for_selector("#progress-cards[data-submitted='1']", timeout=10_000)
        assert page.inner_text("#waiting") == "1"
        page.wait_for_function(
            "() => document.getElementById('queue-count').textContent.trim() === '1'", timeout=10_000
        )
        queue.wait_for_url(f"**/work/review/{submission_id}/", timeout=10_000)  # the queue opened it by itself
        shot(page, "supervisor-dashboard")

        # The connection drops; a claim happens meanwhile; the page reconnects and resumes after its last id.
        page.evaluate("window.__sockets[window.__sockets.length - 1].close()")
        again = api.post(
            f"{base}/api/v1/tasks/{second.pk}/claim",
            data={"slot": slot.pk, "confirm_outside_availability": True},
            headers=auth,
        )
        assert again.status == 201, again.text()
        page.wait_for_selector("#progress-cards[data-claimed='1'][data-submitted='1']", timeout=10_000)
        page.wait_for_function("() => window.__sockets.length === 2 && window.__sent.some(m => m.type === 'resume')")
        resumed = [m for m in page.evaluate("window.__sent") if m["type"] == "resume"]
        assert len(resumed) == 1 and resumed[0]["after"] > 0
        assert page.inner_text("tr[data-state=open] [data-count]") == "2"
    finally:
        phone.close()

    # Accepted elsewhere (another supervisor's screen): the money moves here too.
    services.submission_review(actor=supervisor, submission_id=submission_id, decision="accept")
    page.wait_for_function("() => document.getElementById('money').textContent.startsWith('¥5.00')", timeout=10_000)
    assert re.match(r"10 / 40", page.inner_text("#units-accepted"))
    assert page.evaluate("window.__sameDocument") is True
    assert "实时" in page.inner_text("#live-state")


def shot(page, name: str) -> None:
    keep_shot(page, name, full_page=True)

"""The supervisors' workspace (server-rendered, session sign-in): projects, splitting, slots,
reviewing, the dashboard and company staff — with the refusals and the tenant walls."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, Membership, Role
from ledger.models import Transaction
from tasks import jobs, services, split_requests
from tasks.models import (
    Decision,
    Kind,
    LabelItem,
    Project,
    ProjectStatus,
    Review,
    SplitJob,
    SplitStatus,
    Submission,
    SubmissionStatus,
    Task,
    TimeSlot,
)
from tests import factories
from tests.snapshots import world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Kept uploads (split previews, background splits) go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def hidden(response, name: str) -> str:
    """The value of a hidden input of a page (a preview's token, a kept file's token), else ""."""
    text = page(response)
    return text.split(f'name="{name}" value="')[1].split('"')[0] if f'name="{name}" value="' in text else ""


def submitted(project, supervisor, mother, **content):
    """A submission waiting for review: she claims a task of ``project`` and hands it in."""
    slot = TimeSlot.objects.filter(project=project).first() or factories.slot(supervisor, project)
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    if project.kind == Kind.ASSEMBLY:
        content.setdefault("completed_units", claim.task.units)
    elif project.kind == Kind.COPYWRITING:
        content.setdefault("text", "纯棉面料，柔软亲肤。")
    else:
        items = LabelItem.objects.filter(task_id=claim.task_id).order_by("position")
        content.setdefault("labels", {str(item.pk): project.label_set[0] for item in items})
    return services.claim_submit(worker=mother, claim_id=claim.pk, **content)


def project_fields(**overrides) -> dict:
    fields = {
        "kind": Kind.ASSEMBLY,
        "title": "帆布袋组装",
        "instructions": "请按样品缝制。\n\n- 线头剪干净\n- 每 10 个装一袋",
        "piece_rate": "0.5000",
        "unit": "件",
        "minutes_per_unit": "1.00",
        "region": "广东省佛山市",
        "pickup_point": "佛山市禅城区 1 号仓库",
        "dropoff_point": "同上",
        "claim_limit": "2",
        "grace_minutes": "30",
        "review_window_hours": "48",
        "label_set": "",
    }
    fields.update(overrides)
    return fields


# --- who may come in -------------------------------------------------------------------------


def workspace_urls(project, submission=None, job=None) -> list[str]:
    urls = [
        f"/work/projects/{project.pk}/",
        f"/work/projects/{project.pk}/edit",
        f"/work/projects/{project.pk}/progress",
        f"/work/projects/{project.pk}/slots",
        f"/work/projects/{project.pk}/split",
    ]
    if submission is not None:
        urls.append(f"/work/review/{submission.pk}/")
    if job is not None:
        urls.append(f"/work/split-jobs/{job.pk}/")
    return urls


def test_signing_in_is_needed(assembly):
    response = Client().get("/work/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_a_mother_has_no_workspace(mother, assembly):
    client = signed_in(mother)
    for url in ["/work/", "/work/projects/new", "/work/review/", "/work/company/", *workspace_urls(assembly)]:
        assert client.get(url).status_code == 404, url


def test_finance_cannot_review_and_nothing_is_decided(finance, supervisor, assembly, mother):
    submission = submitted(assembly, supervisor, mother)
    client = signed_in(finance)
    before = world()

    refused = client.get(f"/work/review/{submission.pk}/")
    assert refused.status_code == 403 and "审核员" in page(refused)
    posted = client.post(f"/work/review/{submission.pk}/decide", {"decision": "accept"})
    assert posted.status_code == 403
    assert client.get("/work/review/").status_code == 403
    assert client.get("/work/").status_code == 403
    assert world() == before
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.PENDING


def test_a_supervisor_of_another_company_sees_nothing_of_it(supervisor, company, other_company, assembly, mother):
    submission = submitted(assembly, supervisor, mother)
    labelling = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, publish=False)
    job = split_requests.split_request(
        actor=supervisor,
        project_id=labelling.pk,
        upload=factories.jsonl_upload(["好"] * 3),
        items_per_task=2,
    )
    theirs = signed_in(factories.staff(other_company, Role.ADMIN))
    before = world()

    for url in workspace_urls(assembly, submission, job):
        assert theirs.get(url).status_code == 404, url
    for url in [
        f"/work/projects/{assembly.pk}/publish",
        f"/work/projects/{assembly.pk}/close",
        f"/work/projects/{assembly.pk}/split",
        f"/work/projects/{assembly.pk}/split/confirm",
        f"/work/projects/{assembly.pk}/slots",
        f"/work/review/{submission.pk}/decide",
        f"/work/company/{company.pk}/invite",
        f"/work/company/{company.pk}/members/{supervisor.pk}/remove",
    ]:
        response = theirs.post(
            url, {"decision": "accept", "total_units": 10, "units_per_task": 5, "phone": "13812345678"}
        )
        assert response.status_code == 404, url
    assert theirs.get(f"/work/review/count?project={assembly.pk}").json() == {"waiting": 0, "project_waiting": 0}
    assert theirs.get("/work/review/").status_code == 200  # their own queue: empty
    for url in ["/work/", "/work/review/", "/work/company/"]:
        text = page(theirs.get(url, follow=True))
        assert assembly.title not in text and company.name not in text, url
    assert world() == before


# --- projects --------------------------------------------------------------------------------


def test_the_projects_list_shows_the_companys_projects(supervisor, company, assembly):
    text = page(signed_in(supervisor).get("/work/"))
    assert assembly.title in text and "已发布" in text and "¥0.50/件" in text
    assert 'href="/work/review/"' in text and 'href="/work/projects/new"' in text
    assert "企业成员" not in text  # staff management is for admins


@pytest.mark.parametrize("kind", [Kind.ASSEMBLY, Kind.COPYWRITING, Kind.LABELLING])
def test_a_project_of_each_kind_is_created_as_a_draft(supervisor, company, kind):
    fields = project_fields(kind=kind, title=f"{kind} 新项目", label_set="正面\n负面" if kind == Kind.LABELLING else "")
    response = signed_in(supervisor).post("/work/projects/new", fields)

    made = Project.objects.get(title=f"{kind} 新项目")
    assert response.status_code == 302 and response["Location"] == f"/work/projects/{made.pk}/split"
    assert made.company == company and made.kind == kind and made.status == ProjectStatus.DRAFT
    assert made.piece_rate == Decimal("0.5") and made.review_window_hours == 48
    assert made.label_set == (["正面", "负面"] if kind == Kind.LABELLING else [])


def test_a_project_goes_only_to_a_company_she_supervises_for(supervisor, company, other_company):
    Membership.objects.create(user=supervisor, company=other_company, role=Role.FINANCE)  # staff, not supervising
    before = world()

    response = signed_in(supervisor).post("/work/projects/new", project_fields(company=other_company.pk))

    assert response.status_code == 400 and "请选择" in page(response)
    assert world() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "该字段是必填项"),
        ({"piece_rate": "abc"}, "输入一个数字"),
        ({"piece_rate": "0.123456"}, "4"),
        ({"minutes_per_unit": "0"}, "分钟"),
        ({"claim_limit": "0"}, "1"),
        ({"kind": Kind.LABELLING, "label_set": ""}, "标签"),
        ({"kind": Kind.LABELLING, "label_set": "只有一个"}, "标签"),
        ({"kind": "knitting"}, "knitting"),
    ],
)
def test_a_bad_project_form_says_what_is_wrong_and_makes_nothing(supervisor, overrides, message):
    before = world()
    response = signed_in(supervisor).post("/work/projects/new", project_fields(**overrides))

    assert response.status_code == 400
    assert message in page(response) and 'class="errorlist' in page(response)
    assert world() == before


def test_instructions_are_shown_with_their_lists_but_never_as_html(supervisor, company):
    project = factories.project(
        supervisor, company, instructions="<script>alert(1)</script>\n\n- 第一步\n- 第二步", publish=False
    )
    text = page(signed_in(supervisor).get(f"/work/projects/{project.pk}/"))
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<ul><li>第一步</li><li>第二步</li></ul>" in text


def test_editing_a_project_and_the_pay_that_may_only_go_up(supervisor, assembly):
    client = signed_in(supervisor)
    fields = project_fields(title="新标题", piece_rate="0.6000")
    fields.pop("kind")
    assert client.post(f"/work/projects/{assembly.pk}/edit", fields).status_code == 302
    assembly.refresh_from_db()
    assert assembly.title == "新标题" and assembly.piece_rate == Decimal("0.6")

    before = world()
    lower = client.post(f"/work/projects/{assembly.pk}/edit", {**fields, "title": "又改", "piece_rate": "0.4000"})
    assert lower.status_code == 400 and "只能提高" in page(lower)
    assembly.refresh_from_db()
    assert assembly.title == "新标题" and world() == before


def test_a_labelling_project_takes_its_gold_threshold_and_retries_on_the_form(supervisor, company):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, publish=False)
    client = signed_in(supervisor)
    text = page(client.get(f"/work/projects/{project.pk}/edit"))
    assert 'name="gold_min_accuracy"' in text and 'value="70"' in text and 'name="item_retries"' in text
    fields = project_fields(title=project.title, piece_rate=str(project.piece_rate), label_set="好评\n中评\n差评")
    fields.pop("kind")
    fields["minutes_per_unit"] = str(project.minutes_per_unit)
    saved = client.post(f"/work/projects/{project.pk}/edit", {**fields, "gold_min_accuracy": "85", "item_retries": "0"})
    assert saved.status_code == 302, page(saved)
    project.refresh_from_db()
    assert (project.gold_min_accuracy, project.item_retries) == (85, 0)
    refused = client.post(f"/work/projects/{project.pk}/edit", {**fields, "item_retries": "9"})
    assert refused.status_code == 400
    project.refresh_from_db()
    assert project.item_retries == 0


def test_publish_pause_close_and_the_services_refusals_in_words(supervisor, company):
    client = signed_in(supervisor)
    cheap = factories.project(supervisor, company, piece_rate=Decimal("0.1000"), publish=False)
    nowhere = factories.project(supervisor, company, region="火星", publish=False)
    empty = services.project_create(
        actor=supervisor, company_id=company.pk, kind=Kind.ASSEMBLY, title="空", piece_rate="1", minutes_per_unit="1"
    )
    before = world()

    text = page(client.post(f"/work/projects/{cheap.pk}/publish", follow=True))
    assert "约合时薪 ¥6.00" in text and "最低小时工资" in text and "计件单价至少要 ¥" in text
    text = page(client.post(f"/work/projects/{nowhere.pk}/publish", follow=True))
    assert "“火星”" in text and "已有的地区" in text
    text = page(client.post(f"/work/projects/{empty.pk}/publish", follow=True))
    assert 'role="alert"' in text and "拆" in text
    assert world() == before

    good = factories.project(supervisor, company, publish=False)
    assert client.post(f"/work/projects/{good.pk}/publish").status_code == 302
    assert Project.objects.get(pk=good.pk).status == ProjectStatus.PUBLISHED
    client.post(f"/work/projects/{good.pk}/pause")
    assert Project.objects.get(pk=good.pk).status == ProjectStatus.PAUSED
    client.post(f"/work/projects/{good.pk}/close")
    assert Project.objects.get(pk=good.pk).status == ProjectStatus.CLOSED
    again = page(client.post(f"/work/projects/{good.pk}/pause", follow=True))
    assert Project.objects.get(pk=good.pk).status == ProjectStatus.CLOSED and 'role="alert"' in again
    assert client.post(f"/work/projects/{good.pk}/explode").status_code == 404
    assert client.get(f"/work/projects/{good.pk}/publish").status_code == 405


# --- splitting -------------------------------------------------------------------------------


@pytest.fixture
def draft(supervisor, company):
    def make(kind):
        return services.project_create(
            actor=supervisor,
            company_id=company.pk,
            kind=kind,
            title=f"{kind} 草稿",
            **factories.PROJECT_DEFAULTS[kind],
        )

    return make


def test_an_assembly_split_is_previewed_with_its_cost_then_made(supervisor, draft):
    project = draft(Kind.ASSEMBLY)
    client = signed_in(supervisor)
    assert "每批件数" in page(client.get(f"/work/projects/{project.pk}/split"))

    preview = client.post(f"/work/projects/{project.pk}/split", {"total_units": "205", "units_per_task": "50"})
    text = page(preview)
    assert preview.status_code == 200 and 'id="preview-tasks">5<' in text and "¥102.50" in text
    assert "5 / 50" in text  # batches of 50 and one of 5
    assert Task.objects.filter(project=project).count() == 0  # nothing until confirmed

    made = client.post(f"/work/projects/{project.pk}/split/confirm", {"preview": hidden(preview, "preview")})
    assert made["Location"] == f"/work/projects/{project.pk}/"
    assert sorted(Task.objects.filter(project=project).values_list("units", flat=True)) == [5, 50, 50, 50, 50]


@pytest.mark.parametrize(
    "order", [{"total_units": "10", "units_per_task": "50"}, {"total_units": "x", "units_per_task": "1"}, {}]
)
def test_a_bad_assembly_order_makes_nothing(supervisor, draft, order):
    project = draft(Kind.ASSEMBLY)
    before = world()
    response = signed_in(supervisor).post(f"/work/projects/{project.pk}/split", order)
    assert response.status_code == 400 and "errorlist" in page(response)
    confirmed = signed_in(supervisor).post(f"/work/projects/{project.pk}/split/confirm", order, follow=True)
    assert 'role="alert"' in page(confirmed)
    assert world() == before


def test_copywriting_briefs_pasted_or_uploaded(supervisor, draft):
    project = draft(Kind.COPYWRITING)
    client = signed_in(supervisor)

    pasted = client.post(f"/work/projects/{project.pk}/split", {"briefs": "连衣裙详情页\n\n夏季T恤文案\n"})
    assert 'id="preview-tasks">2<' in page(pasted) and "¥30.00" in page(pasted)
    upload = SimpleUploadedFile("briefs.txt", "婴儿背带\n儿童雨衣\n保温杯\n".encode("gb18030"))
    uploaded = client.post(f"/work/projects/{project.pk}/split", {"file": upload})
    assert 'id="preview-tasks">3<' in page(uploaded) and "儿童雨衣" in page(uploaded)

    client.post(
        f"/work/projects/{project.pk}/split/confirm",
        {"briefs": "婴儿背带\n儿童雨衣\n保温杯", "preview": hidden(uploaded, "preview")},
    )
    assert list(Task.objects.filter(project=project).values_list("brief", flat=True)) == [
        "婴儿背带",
        "儿童雨衣",
        "保温杯",
    ]


def test_empty_or_unreadable_briefs_make_nothing(supervisor, draft):
    project = draft(Kind.COPYWRITING)
    client = signed_in(supervisor)
    before = world()
    assert "至少" in page(client.post(f"/work/projects/{project.pk}/split", {"briefs": "  \n "}))
    binary = SimpleUploadedFile("x.txt", b"\xff\xfe\x00\x81\x30\x81")
    assert client.post(f"/work/projects/{project.pk}/split", {"file": binary}).status_code == 400
    assert world() == before


def labelling_file(name="comments.csv", body="id,comment\n1,很好用\n2,一般\n3,不推荐\n"):
    return SimpleUploadedFile(name, body.encode())


def test_a_labelling_file_is_previewed_column_chosen_then_made(supervisor, draft):
    project = draft(Kind.LABELLING)
    client = signed_in(supervisor)
    form = {"text_field": "text", "items_per_task": "2", "label_set": "好评\n中评\n差评"}

    wrong_column = client.post(f"/work/projects/{project.pk}/split", {**form, "file": labelling_file()})
    text = page(wrong_column)
    assert wrong_column.status_code == 400 and "第 1 行" in text and "“text”" in text
    assert "文件中的列： id、comment" in text  # the columns to choose from
    token = text.split('name="token" value="')[1].split('"')[0]

    preview = client.post(f"/work/projects/{project.pk}/split", {**form, "token": token, "text_field": "comment"})
    text = page(preview)
    assert preview.status_code == 200 and 'id="preview-tasks">2<' in text and "很好用" in text
    assert LabelItem.objects.count() == 0

    relabelled = client.post(
        f"/work/projects/{project.pk}/split",
        {"token": token, "text_field": "comment", "items_per_task": "2", "label_set": "正面\n负面"},
    )
    confirmed = client.post(f"/work/projects/{project.pk}/split/confirm", {"preview": hidden(relabelled, "preview")})
    assert confirmed["Location"] == f"/work/projects/{project.pk}/"
    assert list(LabelItem.objects.order_by("pk").values_list("text", flat=True)) == ["很好用", "一般", "不推荐"]
    project.refresh_from_db()
    assert project.label_set == ["正面", "负面"]
    # Confirming twice makes nothing more.
    again = client.post(f"/work/projects/{project.pk}/split/confirm", {"preview": hidden(relabelled, "preview")})
    assert again.status_code == 302 and LabelItem.objects.count() == 3


def test_a_bad_labelling_file_names_its_line_and_makes_nothing(supervisor, draft):
    project = draft(Kind.LABELLING)
    before = world()
    body = '{"text": "好"}\n{"text": "中"}\n{"text": 不是JSON}\n'
    response = signed_in(supervisor).post(
        f"/work/projects/{project.pk}/split",
        {"file": labelling_file("items.jsonl", body), "text_field": "text", "items_per_task": "2", "label_set": "a\nb"},
    )
    assert response.status_code == 400 and "第 3 行" in page(response)
    assert world() == before and LabelItem.objects.count() == 0


def test_a_labelling_token_of_another_session_or_project_is_not_honoured(supervisor, draft):
    project = draft(Kind.LABELLING)
    client = signed_in(supervisor)
    form = {"text_field": "comment", "items_per_task": "2", "label_set": "好\n坏"}
    preview = client.post(f"/work/projects/{project.pk}/split", {**form, "file": labelling_file()})

    other = signed_in(supervisor)  # another session of the same person
    refused = other.post(
        f"/work/projects/{project.pk}/split/confirm", {"preview": hidden(preview, "preview")}, follow=True
    )
    assert "重新上传" in page(refused) and Task.objects.filter(project=project).count() == 0


def test_a_large_labelling_file_goes_to_a_background_job_with_a_progress_page(supervisor, draft, settings):
    settings.HOMESLOT_SPLIT_SYNC_BYTES = 10
    project = draft(Kind.LABELLING)
    client = signed_in(supervisor)
    form = {"text_field": "comment", "items_per_task": "2", "label_set": "好评\n中评\n差评"}
    preview = client.post(f"/work/projects/{project.pk}/split", {**form, "file": labelling_file()})
    assert "后台" in page(preview)

    response = client.post(f"/work/projects/{project.pk}/split/confirm", {"preview": hidden(preview, "preview")})
    job = SplitJob.objects.get()
    assert response["Location"] == f"/work/split-jobs/{job.pk}/"
    waiting = page(client.get(response["Location"]))
    assert 'http-equiv="refresh"' in waiting and "<progress" in waiting and Task.objects.count() == 0

    jobs.split_run.call(str(job.pk))
    done = page(client.get(response["Location"]))
    assert 'http-equiv="refresh"' not in done and "已生成 2 个任务" in done
    assert LabelItem.objects.filter(task__project=project).count() == 3


def test_a_background_split_that_fails_names_the_line(supervisor, draft, settings):
    settings.HOMESLOT_SPLIT_SYNC_BYTES = 10
    project = draft(Kind.LABELLING)
    client = signed_in(supervisor)
    job = split_requests.split_request(
        actor=supervisor,
        project_id=project.pk,
        upload=labelling_file(body="comment\n好\n\n坏,多了一列\n"),
        items_per_task=2,
        text_field="comment",
    )
    jobs.split_run.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == SplitStatus.FAILED
    text = page(client.get(f"/work/split-jobs/{job.pk}/"))
    assert f"文件第 {job.error_line} 行" in text and "没有生成任何任务" in text
    assert Task.objects.filter(project=project).count() == 0


# --- slots -----------------------------------------------------------------------------------


def test_a_single_slot_and_a_weekly_pattern(supervisor, assembly):
    client = signed_in(supervisor)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    single = client.post(
        f"/work/projects/{assembly.pk}/slots",
        {"form": "single", "one-day": tomorrow, "one-start": "09:00", "one-end": "11:30", "one-capacity": "8"},
    )
    assert single.status_code == 302
    slot = TimeSlot.objects.get(project=assembly)
    assert timezone.localtime(slot.starts_at).time() == datetime.time(9) and slot.capacity == 8

    monday = tomorrow + datetime.timedelta(days=(7 - tomorrow.weekday()) % 7)
    pattern = {
        "form": "pattern",
        "week-weekdays": ["0", "1", "2", "3", "4"],
        "week-start": "13:00",
        "week-end": "15:30",
        "week-weeks": "4",
        "week-capacity": "5",
        "week-first_day": monday,
    }
    made = client.post(f"/work/projects/{assembly.pk}/slots", pattern, follow=True)
    assert "已开放 20 个时段" in page(made)
    assert TimeSlot.objects.filter(project=assembly).count() == 21
    again = client.post(f"/work/projects/{assembly.pk}/slots", pattern, follow=True)
    assert "没有新增时段" in page(again) and TimeSlot.objects.filter(project=assembly).count() == 21


def test_the_slot_list_shows_how_full_each_slot_is(supervisor, assembly, slot, mother):
    services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk, confirm_outside_availability=True)
    text = page(signed_in(supervisor).get(f"/work/projects/{assembly.pk}/slots"))
    assert "1 / 50" in text and '<rect width="2" height="10"/>' in text and 'aria-label="2%"' in text


@pytest.mark.parametrize(
    "fields",
    [
        {"form": "single", "one-day": "2099-01-01", "one-start": "11:00", "one-end": "09:00", "one-capacity": "5"},
        {"form": "single", "one-day": "2001-01-01", "one-start": "09:00", "one-end": "11:00", "one-capacity": "5"},
        {"form": "single", "one-day": "2099-01-01", "one-start": "09:00", "one-end": "11:00", "one-capacity": "0"},
        {"form": "single", "one-day": "nope", "one-start": "09:00", "one-end": "11:00", "one-capacity": "5"},
        {"form": "pattern", "week-start": "09:00", "week-end": "11:00", "week-weeks": "4", "week-capacity": "5"},
        {
            "form": "pattern",
            "week-weekdays": ["0"],
            "week-start": "06:00",
            "week-end": "22:00",
            "week-weeks": "2",
            "week-capacity": "5",
        },
        {
            "form": "pattern",
            "week-weekdays": ["9"],
            "week-start": "09:00",
            "week-end": "11:00",
            "week-weeks": "2",
            "week-capacity": "5",
        },
    ],
)
def test_bad_slots_say_why_and_open_nothing(supervisor, assembly, fields):
    before = world()
    response = signed_in(supervisor).post(f"/work/projects/{assembly.pk}/slots", fields)
    assert response.status_code == 400 and "errorlist" in page(response)
    assert world() == before


# --- reviewing -------------------------------------------------------------------------------


def test_the_queue_opens_the_oldest_and_each_decision_moves_on(supervisor, company, assembly, mother, other_mother):
    first = submitted(assembly, supervisor, mother, completed_units=10)
    second = submitted(assembly, supervisor, other_mother, completed_units=8)
    client = signed_in(supervisor)

    opened = client.get("/work/review/")
    assert opened["Location"] == f"/work/review/{first.pk}/"
    text = page(client.get(opened["Location"]))
    assert "完成 10 / 10 件" in text and "线头" not in text  # the brief beside the work
    assert 'value="accept"' in text and "<kbd>A</kbd>" in text and "<kbd>V</kbd>" in text
    assert "照片" in text  # no photos: said plainly

    accepted = client.post(f"/work/review/{first.pk}/decide", {"decision": "accept"})
    assert accepted["Location"] == "/work/review/"
    assert client.get(accepted["Location"])["Location"] == f"/work/review/{second.pk}/"
    assert Review.objects.get(submission=first).accepted_units == 10
    assert Transaction.objects.filter(project=assembly).count() == 1

    partial = client.post(
        f"/work/review/{second.pk}/decide",
        {"decision": "partial", "accepted_units": "6", "reason_template": "partial:0"},
    )
    assert partial.status_code == 302
    review = Review.objects.get(submission=second)
    assert review.decision == Decision.PARTIAL and review.accepted_units == 6 and "样品" in review.reason
    assert "都审完了" in page(client.get("/work/review/"))


@pytest.mark.parametrize(
    ("decision", "expected"),
    [("reject", SubmissionStatus.REJECTED), ("revise", SubmissionStatus.REVISION_REQUESTED)],
)
def test_reject_and_revise_need_a_reason(supervisor, assembly, mother, decision, expected):
    submission = submitted(assembly, supervisor, mother)
    client = signed_in(supervisor)
    before = world()

    refused = client.post(f"/work/review/{submission.pk}/decide", {"decision": decision, "reason": "  "})
    assert refused.status_code == 400 and "原因" in page(refused)
    assert world() == before

    done = client.post(f"/work/review/{submission.pk}/decide", {"decision": decision, "reason": "照片太模糊"})
    assert done.status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == expected
    assert Review.objects.get(submission=submission).reason == "照片太模糊"


@pytest.mark.parametrize(
    "fields",
    [
        {"decision": "approve"},
        {},
        {"decision": "partial", "accepted_units": "11", "reason": "部分不合格"},
        {"decision": "partial", "accepted_units": "0", "reason": "部分不合格"},
        {"decision": "partial", "accepted_units": "abc", "reason": "部分不合格"},
        {"decision": "reject", "reason_template": "reject:99"},
    ],
)
def test_a_bad_decision_changes_nothing(supervisor, assembly, mother, fields):
    submission = submitted(assembly, supervisor, mother)
    before = world()
    response = signed_in(supervisor).post(f"/work/review/{submission.pk}/decide", fields)
    assert response.status_code == 400 and 'role="alert"' in page(response)
    assert world() == before


def test_labelling_items_in_a_grid_feed_a_partial_acceptance(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=4)
    submission = submitted(project, supervisor, mother)
    items = list(LabelItem.objects.filter(task=submission.task).order_by("position"))
    client = signed_in(supervisor)

    text = page(client.get(f"/work/review/{submission.pk}/"))
    assert text.count('name="item"') == 4 and "评论 0" in text and "好评" in text

    refused = client.post(f"/work/review/{submission.pk}/decide", {"decision": "partial", "reason": "有错", "item": []})
    assert refused.status_code == 400 and Review.objects.count() == 0
    client.post(
        f"/work/review/{submission.pk}/decide",
        {"decision": "partial", "reason_template": "partial:1", "item": [items[0].pk, items[2].pk, 999999]},
    )
    review = Review.objects.get(submission=submission)
    assert review.accepted_units == 2 and review.decision == Decision.PARTIAL
    assert review.rejected_items == [items[1].pk, items[3].pk]  # the unticked ones, named
    back = project.tasks.get(status="open")
    assert [i.origin_id for i in back.items.order_by("position")] == [items[1].pk, items[3].pk]


def test_copywriting_shows_the_brief_beside_the_text(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1)
    submission = submitted(project, supervisor, mother, text="第一段<b>粗</b>\n第二段")
    text = page(signed_in(supervisor).get(f"/work/review/{submission.pk}/"))
    assert "文案 1" in text and "第一段&lt;b&gt;粗&lt;/b&gt;<br>第二段" in text


def test_a_reviewed_submission_is_shown_as_such_and_cannot_be_decided_again(supervisor, assembly, mother):
    submission = submitted(assembly, supervisor, mother)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")
    client = signed_in(supervisor)
    before = world()
    assert "已审核" in page(client.get(f"/work/review/{submission.pk}/"))
    again = client.post(f"/work/review/{submission.pk}/decide", {"decision": "reject", "reason": "改主意"})
    assert again.status_code == 409 and world() == before


def test_after_the_review_window_only_accept_is_possible(supervisor, assembly, mother):
    submission = submitted(assembly, supervisor, mother)
    client = signed_in(supervisor)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        assert "审核期限已过" in page(client.get(f"/work/review/{submission.pk}/"))
        before = world()
        refused = client.post(f"/work/review/{submission.pk}/decide", {"decision": "reject", "reason": "太晚"})
        assert refused.status_code == 409 and world() == before
        assert client.post(f"/work/review/{submission.pk}/decide", {"decision": "accept"}).status_code == 302


def test_skipping_and_the_queue_of_one_project(supervisor, company, assembly, mother, other_mother):
    other = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=2)
    first = submitted(assembly, supervisor, mother)
    second = submitted(other, supervisor, other_mother)
    client = signed_in(supervisor)

    assert client.get(f"/work/review/?after={first.pk}")["Location"] == f"/work/review/{second.pk}/"
    assert client.get(f"/work/review/?after={second.pk}")["Location"] == f"/work/review/{first.pk}/"  # wraps round
    assert (
        client.get(f"/work/review/?project={other.pk}")["Location"] == f"/work/review/{second.pk}/?project={other.pk}"
    )
    done = client.post(f"/work/review/{second.pk}/decide", {"decision": "accept", "project": other.pk})
    assert done["Location"] == f"/work/review/?project={other.pk}"
    assert "都审完了" in page(client.get(done["Location"]))
    assert client.get("/work/review/count").json() == {"waiting": 1}
    assert client.get(f"/work/review/count?project={assembly.pk}").json() == {"waiting": 1, "project_waiting": 1}


# --- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_progress_money_and_the_oldest_wait(supervisor, assembly, mother, other_mother):
    first = submitted(assembly, supervisor, mother, completed_units=10)
    submitted(assembly, supervisor, other_mother, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="accept")
    client = signed_in(supervisor)

    text = page(client.get(f"/work/projects/{assembly.pk}/"))
    assert 'data-follow="' + str(assembly.pk) + '"' in text and "supervisor.js" in text
    fragment = page(client.get(f"/work/projects/{assembly.pk}/progress"))
    assert "10 / 30" in fragment  # units accepted of the budgeted units
    assert "¥5.00 / ¥15.00" in fragment  # money accrued against budget
    assert 'id="waiting">1<' in fragment and "最早一份已等 0 小时" in fragment
    assert 'data-state="accepted"' in fragment and 'data-submitted="1"' in fragment
    assert "late" not in fragment.split('id="waiting-card"')[0][-40:]

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=40)):
        late = page(client.get(f"/work/projects/{assembly.pk}/progress"))
    assert "card late" in late and "请尽快审核" in late


# --- company staff ---------------------------------------------------------------------------


def test_a_company_admin_invites_and_removes_staff(admin_user, company, supervisor, mother):
    client = signed_in(admin_user)
    text = page(client.get("/work/company/"))
    assert supervisor.display_name in text and "****" in text

    added = client.post(f"/work/company/{company.pk}/invite", {"phone": mother.phone[3:], "role": Role.FINANCE})
    assert added.status_code == 302
    assert Membership.objects.get(company=company, user=mother).role == Role.FINANCE

    invited = client.post(f"/work/company/{company.pk}/invite", {"phone": "139 1234 5678", "role": Role.SUPERVISOR})
    assert invited.status_code == 302
    assert Invitation.objects.get(company=company).phone == "+8613912345678"
    assert "尚未接受的邀请" in page(client.get("/work/company/"))

    removed = client.post(f"/work/company/{company.pk}/members/{supervisor.pk}/remove")
    assert removed.status_code == 302 and not Membership.objects.filter(user=supervisor).exists()


def test_bad_invitations_and_the_last_admin(admin_user, company):
    client = signed_in(admin_user)
    before = (Membership.objects.count(), Invitation.objects.count())
    for fields in ({"phone": "12345", "role": "supervisor"}, {"phone": "13912345678", "role": "boss"}, {}):
        response = client.post(f"/work/company/{company.pk}/invite", fields)
        assert response.status_code == 400 and "errorlist" in page(response)
    kept = client.post(f"/work/company/{company.pk}/members/{admin_user.pk}/remove", follow=True)
    assert "至少" in page(kept) and Membership.objects.filter(user=admin_user).exists()
    assert client.post(f"/work/company/{company.pk}/members/999999/remove").status_code == 404
    assert (Membership.objects.count(), Invitation.objects.count()) == before


def test_only_company_admins_manage_staff(supervisor, company, admin_user):
    client = signed_in(supervisor)
    assert client.get("/work/company/").status_code == 403
    before = Membership.objects.count()
    client.post(f"/work/company/{company.pk}/members/{admin_user.pk}/remove")
    assert (
        client.post(f"/work/company/{company.pk}/invite", {"phone": "13912345678", "role": "admin"}).status_code == 404
    )
    assert Membership.objects.count() == before and Invitation.objects.count() == 0


def test_the_script_is_ours_and_small(client):
    response = client.get("/static/frontend/supervisor.js")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and b"resume" in body and b"follow" in body
    assert len(body) < 12_000
    json.dumps(body.decode())  # plain text, nothing built


def test_assembly_photos_are_shown_large_beside_the_count(supervisor, assembly, mother):
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 40, 90)).save(picture, format="JPEG")
    upload = SimpleUploadedFile("bags.jpg", picture.getvalue(), content_type="image/jpeg")
    submission = submitted(assembly, supervisor, mother, completed_units=10, photos=[upload])
    photo = submission.photos.get()

    text = page(signed_in(supervisor).get(f"/work/review/{submission.pk}/"))
    assert f'<img src="/m/photos/{photo.pk}"' in text and 'class="photos"' in text
    assert signed_in(supervisor).get(f"/m/photos/{photo.pk}").status_code == 200


def test_an_oversized_file_is_refused_before_it_is_read(supervisor, draft, monkeypatch):
    monkeypatch.setattr("tasks.splitting.MAX_FILE_BYTES", 16)
    client = signed_in(supervisor)
    labelling, copywriting = draft(Kind.LABELLING), draft(Kind.COPYWRITING)
    before = world()

    refused = client.post(
        f"/work/projects/{labelling.pk}/split",
        {"file": labelling_file(), "text_field": "comment", "items_per_task": "2", "label_set": "好\n坏"},
    )
    assert refused.status_code == 400 and "10 MB" in page(refused) and 'name="token"' not in page(refused)
    briefs = SimpleUploadedFile("briefs.txt", "婴儿背带\n儿童雨衣\n保温杯\n".encode())
    refused = client.post(f"/work/projects/{copywriting.pk}/split", {"file": briefs})
    assert refused.status_code == 400 and "10 MB" in page(refused)
    assert world() == before and LabelItem.objects.count() == 0


# --- what a reviewer found: odd input, double submits, the tenant walls ------------------------


def test_odd_ids_in_the_review_pages_are_ignored_not_a_500(supervisor, assembly, mother):
    # "²".isdigit() is true but int("²") fails; an id past 2**63 does not fit SQLite's INTEGER.
    submission = submitted(assembly, supervisor, mother)
    client = signed_in(supervisor)
    huge = "9" * 25
    for odd in ("²", "٣", huge):
        assert client.get(f"/work/review/?project={odd}")["Location"] == f"/work/review/{submission.pk}/"
        assert client.get(f"/work/review/?after={odd}")["Location"] == f"/work/review/{submission.pk}/"
        assert client.get(f"/work/review/{submission.pk}/?project={odd}").status_code == 200
        assert client.get(f"/work/review/count?project={odd}").json() == {"waiting": 1}
    before = world()
    refused = client.post(f"/work/review/{submission.pk}/decide", {"decision": "reject", "reason_template": "reject:²"})
    assert refused.status_code == 400 and "原因" in page(refused) and world() == before
    done = client.post(f"/work/review/{submission.pk}/decide", {"decision": "accept", "project": "²"})
    assert done["Location"] == "/work/review/"
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.ACCEPTED


def test_a_decision_sent_twice_is_made_once_and_moves_on(supervisor, company, assembly, mother, other_mother):
    first = submitted(assembly, supervisor, mother, completed_units=10)
    second = submitted(assembly, supervisor, other_mother, completed_units=10)
    client = signed_in(supervisor)
    decision = {"decision": "partial", "accepted_units": "7", "reason": "3 件线头没剪"}

    assert client.post(f"/work/review/{first.pk}/decide", decision)["Location"] == "/work/review/"
    after_first = world()
    again = client.post(f"/work/review/{first.pk}/decide", decision)  # the double click
    assert again.status_code == 302 and again["Location"] == "/work/review/"
    assert client.get(again["Location"])["Location"] == f"/work/review/{second.pk}/"  # on to the next one
    assert world() == after_first
    assert Review.objects.filter(submission=first).count() == 1 and Transaction.objects.count() == 1

    # Someone else's decision is not taken for one's own: a colleague is told it was decided.
    colleague = signed_in(factories.staff(company, Role.SUPERVISOR))
    late = colleague.post(f"/work/review/{first.pk}/decide", decision)
    assert late.status_code == 409 and "已审核" in page(late) and world() == after_first


def preview_of(client, project, order):
    response = client.post(f"/work/projects/{project.pk}/split", order)
    assert response.status_code == 200, page(response)
    return hidden(response, "preview")


@pytest.mark.parametrize(
    ("kind", "order", "confirm"),
    [
        (Kind.ASSEMBLY, {"total_units": "30", "units_per_task": "10"}, {}),
        (Kind.COPYWRITING, {"briefs": "连衣裙详情页\n夏季T恤文案"}, {"briefs": "连衣裙详情页\n夏季T恤文案"}),
    ],
)
def test_a_split_confirmed_twice_makes_its_tasks_once(supervisor, draft, kind, order, confirm):
    project = draft(kind)
    client = signed_in(supervisor)
    token = preview_of(client, project, order)

    confirm = {**order, **confirm, "preview": token}  # the order's fields too, as a hand-made form might send
    made = client.post(f"/work/projects/{project.pk}/split/confirm", confirm)
    assert made["Location"] == f"/work/projects/{project.pk}/"
    tasks = list(Task.objects.filter(project=project).values_list("pk", flat=True))
    assert len(tasks) in (2, 3)
    before = world()

    again = client.post(f"/work/projects/{project.pk}/split/confirm", confirm, follow=True)
    assert again.redirect_chain[-1][0] == f"/work/projects/{project.pk}/" and "没有再生成" in page(again)
    assert list(Task.objects.filter(project=project).values_list("pk", flat=True)) == tasks and world() == before

    # A second split is made from a new preview, not by confirming an old one again.
    client.post(
        f"/work/projects/{project.pk}/split/confirm", {**confirm, "preview": preview_of(client, project, order)}
    )
    assert Task.objects.filter(project=project).count() == 2 * len(tasks)


def test_a_confirm_makes_only_what_a_preview_checked(supervisor, draft):
    # The confirm used to pass the posted numbers straight to the split: a batch of 10**12 pieces
    # was made on SQLite and was a 500 (integer out of range) on PostgreSQL.
    assembly, copywriting = draft(Kind.ASSEMBLY), draft(Kind.COPYWRITING)
    client = signed_in(supervisor)
    token = preview_of(client, assembly, {"total_units": "30", "units_per_task": "10"})
    before = world()
    for project, fields in [
        (assembly, {"total_units": str(10**12), "units_per_task": str(10**12)}),
        (assembly, {"total_units": "30", "units_per_task": "10", "preview": token + "x"}),  # tampered
        (assembly, {"total_units": "30", "units_per_task": "10", "preview": "not-a-token"}),
        (copywriting, {"briefs": "a\x00b"}),  # NUL: a 500 on PostgreSQL
        (copywriting, {"briefs": "婴儿背带", "preview": token}),  # another project's preview
    ]:
        refused = client.post(f"/work/projects/{project.pk}/split/confirm", fields, follow=True)
        assert refused.redirect_chain[-1][0] == f"/work/projects/{project.pk}/split", fields
        assert "请重新预览" in page(refused)
    briefs_token = preview_of(client, copywriting, {"briefs": "婴儿背带\n儿童雨衣"})
    changed = client.post(
        f"/work/projects/{copywriting.pk}/split/confirm",
        {"briefs": "婴儿背带\n儿童雨衣\n保温杯", "preview": briefs_token},
    )
    assert changed["Location"] == f"/work/projects/{copywriting.pk}/split"
    assert world() == before and Task.objects.count() == 0


def test_a_preview_never_promises_more_tasks_than_a_confirm_makes(supervisor, draft, settings):
    # The preview counts up to a background job's limit, a confirm up to HOMESLOT_SPLIT_MAX_TASKS.
    settings.HOMESLOT_SPLIT_MAX_TASKS = 3
    client = signed_in(supervisor)
    assembly = draft(Kind.ASSEMBLY)
    refused = client.post(f"/work/projects/{assembly.pk}/split", {"total_units": "10", "units_per_task": "2"})
    assert refused.status_code == 400 and "一次最多 3 个" in page(refused)

    labelling = draft(Kind.LABELLING)  # a small file of many tasks goes to a background job instead
    form = {"text_field": "text", "items_per_task": "1", "label_set": "好\n坏"}
    upload = factories.jsonl_upload(["好", "还行", "坏", "一般", "不错"])
    preview = client.post(f"/work/projects/{labelling.pk}/split", {**form, "file": upload})
    assert preview.status_code == 200 and "后台" in page(preview)
    confirmed = client.post(f"/work/projects/{labelling.pk}/split/confirm", {"preview": hidden(preview, "preview")})
    job = SplitJob.objects.get(project=labelling)
    assert confirmed["Location"] == f"/work/split-jobs/{job.pk}/"
    jobs.split_run.call(str(job.pk))
    assert Task.objects.filter(project=labelling).count() == 5


@pytest.mark.parametrize(
    ("name", "body", "line"),
    [
        ("comments.csv", b"text\n\xe5\xa5\xbd\nx\x00y\n", 3),
        ("items.jsonl", b'{"text": "\\u597d"}\n{"text": "a\\u0000b"}\n', 2),
        ("items.jsonl", b'{"text": "\\u597d", "note": "\\\\\\u0000"}\n', 1),
        ("comments.csv", "text\n好\n".encode("utf-16"), 1),
    ],
)
def test_nul_characters_are_refused_at_the_preview_with_their_line(supervisor, draft, name, body, line):
    # PostgreSQL stores no NUL in text or jsonb: such a file was previewed, then a 500 at confirm.
    project = draft(Kind.LABELLING)
    form = {"text_field": "text", "items_per_task": "2", "label_set": "好\n坏"}
    before = world()
    refused = signed_in(supervisor).post(
        f"/work/projects/{project.pk}/split", {**form, "file": SimpleUploadedFile(name, body)}
    )
    assert refused.status_code == 400 and f"第 {line} 行有空字符" in page(refused)
    assert 'name="preview"' not in page(refused) and world() == before


def test_a_literal_backslash_u0000_is_only_text(supervisor, draft):
    project = draft(Kind.LABELLING)
    body = b'{"text": "\\\\u0000 is how JSON writes it"}\n{"text": "ok"}\n'
    preview = signed_in(supervisor).post(
        f"/work/projects/{project.pk}/split",
        {
            "text_field": "text",
            "items_per_task": "2",
            "label_set": "好\n坏",
            "file": SimpleUploadedFile("a.jsonl", body),
        },
    )
    assert preview.status_code == 200 and "\\u0000 is how JSON writes it" in page(preview)


def test_a_brief_file_with_a_nul_character_is_refused(supervisor, draft):
    project = draft(Kind.COPYWRITING)
    upload = SimpleUploadedFile("briefs.txt", "婴儿背带\n儿童\x00雨衣\n".encode())
    refused = signed_in(supervisor).post(f"/work/projects/{project.pk}/split", {"file": upload})
    assert refused.status_code == 400 and "第 2 行有空字符" in page(refused)


def test_a_weekly_pattern_far_ahead_is_refused_not_a_500(supervisor, assembly):
    before = world()
    pattern = {
        "form": "pattern",
        "week-weekdays": ["0"],
        "week-start": "09:00",
        "week-end": "11:00",
        "week-weeks": "12",
        "week-capacity": "5",
        "week-first_day": "9999-12-01",  # the days after it were past the calendar's end: OverflowError
    }
    refused = signed_in(supervisor).post(f"/work/projects/{assembly.pk}/slots", pattern)
    assert refused.status_code == 400 and "一年" in page(refused) and world() == before


def test_staff_ids_out_of_range_are_a_404(admin_user, company):
    client = signed_in(admin_user)
    huge = "9" * 25
    before = Membership.objects.count()
    assert client.post(f"/work/company/{company.pk}/members/{huge}/remove").status_code == 404
    assert client.post(f"/work/company/{huge}/members/{admin_user.pk}/remove").status_code == 404
    assert Membership.objects.count() == before


def test_a_supervisor_cannot_remove_staff_and_is_told_nothing(supervisor, company, admin_user):
    before = Membership.objects.count()
    assert signed_in(supervisor).post(f"/work/company/{company.pk}/members/{admin_user.pk}/remove").status_code == 404
    assert Membership.objects.count() == before


def test_an_invitation_cannot_take_the_last_admin_away(admin_user, company):
    # Inviting a phone already on the staff sets its role: the service keeps the last admin (last_admin).
    client = signed_in(admin_user)
    refused = client.post(f"/work/company/{company.pk}/invite", {"phone": admin_user.phone, "role": Role.FINANCE})
    assert refused.status_code == 400 and "至少要保留一位管理员" in page(refused)
    assert Membership.objects.get(user=admin_user).role == Role.ADMIN

    other = factories.staff(company, Role.ADMIN)  # with a second admin, a role may change
    assert client.post(f"/work/company/{company.pk}/invite", {"phone": other.phone, "role": Role.FINANCE}).status_code
    assert Membership.objects.get(user=other).role == Role.FINANCE


def test_the_projects_list_counts_without_joining_tasks_to_submissions(
    supervisor, company, assembly, mother, other_mother, django_assert_max_num_queries
):
    # Counting tasks and waiting submissions through one join reads tasks × submissions rows per
    # project: millions for one big labelling project, on a page supervisors open all day.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submitted(assembly, supervisor, mother)
    submitted(assembly, supervisor, other_mother)
    copy = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=4)
    client = signed_in(supervisor)
    with CaptureQueriesContext(connection) as queries:
        text = page(client.get("/work/"))
    listing = next(q["sql"] for q in queries.captured_queries if 'FROM "tasks_project"' in q["sql"])
    assert 'JOIN "tasks_task"' not in listing and 'JOIN "tasks_submission"' not in listing
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in text.split('<td><a href="/work/projects/')[1:]}
    assert '<td class="num">3</td>' in rows[assembly.title] and f'?project={assembly.pk}">2</a>' in rows[assembly.title]
    assert '<td class="num">4</td>' in rows[copy.title] and '<td class="num">0</td>' in rows[copy.title]
    for _ in range(5):
        factories.project(supervisor, company, tasks=2)
    with django_assert_max_num_queries(len(queries.captured_queries)):
        client.get("/work/")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_clicks_at_the_same_moment_make_one_split_and_one_decision(on_postgres, supervisor, company, mother):
    from tests.concurrency.threads import at_once

    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.ASSEMBLY,
        title="同时确认",
        **factories.PROJECT_DEFAULTS[Kind.ASSEMBLY],
    )
    browser = signed_in(supervisor)
    token = preview_of(browser, project, {"total_units": "30", "units_per_task": "10"})

    def same_browser() -> Client:
        clicked = Client()
        clicked.cookies = browser.cookies  # one session, clicked four times
        return clicked

    confirm = f"/work/projects/{project.pk}/split/confirm"
    order = {"total_units": "30", "units_per_task": "10", "preview": token}
    results = at_once(4, lambda i: same_browser().post(confirm, order).status_code)
    assert results == [302] * 4 and Task.objects.filter(project=project).count() == 3

    services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    submission = submitted(project, supervisor, mother)
    decide = f"/work/review/{submission.pk}/decide"
    results = at_once(4, lambda i: same_browser().post(decide, {"decision": "accept"}).status_code)
    assert results == [302] * 4
    assert Review.objects.filter(submission=submission).count() == 1 and Transaction.objects.count() == 1


def test_what_people_typed_is_shown_as_text_on_every_page(supervisor, company, mother):
    # Titles, instructions, briefs, labels, reasons, names: never markup, on any supervisor page.
    evil = '<img src=x onerror="alert(1)">'
    mother.worker_profile.display_name = f"妈妈{evil}"
    mother.worker_profile.save()
    project = factories.project(
        supervisor,
        company,
        kind=Kind.LABELLING,
        tasks=1,
        units_per_task=2,
        title=f"标注{evil}",
        instructions=f"- {evil}",
        label_set=[f"好{evil}", "坏"],
    )
    submission = submitted(project, supervisor, mother)
    client = signed_in(supervisor)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason=f"原因{evil}")
    copy = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1, publish=False)
    preview = client.post(f"/work/projects/{copy.pk}/split", {"briefs": f"文案{evil}"})
    pages = [
        client.get("/work/"),
        client.get(f"/work/projects/{project.pk}/"),
        client.get(f"/work/projects/{project.pk}/edit"),
        client.get(f"/work/review/{submission.pk}/"),
        preview,
        signed_in(factories.staff(company, Role.ADMIN)).get("/work/company/"),
    ]
    for response in pages:
        assert response.status_code == 200 and "<img" not in page(response), response.request["PATH_INFO"]
    assert "&lt;img" in page(pages[3]) and "原因" in page(pages[3]) and "妈妈&lt;img" in page(pages[3])


def test_finance_changes_no_project_and_every_write_needs_the_csrf_token(finance, supervisor, assembly, mother):
    submission = submitted(assembly, supervisor, mother)
    writes = {
        f"/work/projects/{assembly.pk}/pause": {},
        f"/work/projects/{assembly.pk}/edit": {**project_fields(title="改"), "kind": None},
        f"/work/projects/{assembly.pk}/split/confirm": {"total_units": "10", "units_per_task": "5"},
        f"/work/projects/{assembly.pk}/slots": {"form": "pattern", "week-weekdays": ["0"], "week-weeks": "1"},
        f"/work/review/{submission.pk}/decide": {"decision": "accept"},
    }
    before = world()
    for url, fields in writes.items():
        fields = {k: v for k, v in fields.items() if v is not None}
        assert signed_in(finance).post(url, fields).status_code == 403, url
        forged = Client(enforce_csrf_checks=True)  # a page of another site posting with her cookie
        forged.force_login(supervisor)
        assert forged.post(url, fields).status_code == 403, url
    assert world() == before


def test_a_preview_expires(supervisor, draft):
    project = draft(Kind.ASSEMBLY)
    client = signed_in(supervisor)
    token = preview_of(client, project, {"total_units": "30", "units_per_task": "10"})
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        stale = client.post(f"/work/projects/{project.pk}/split/confirm", {"preview": token}, follow=True)
    assert "请重新预览" in page(stale) and Task.objects.filter(project=project).count() == 0


@pytest.mark.parametrize(
    ("name", "body", "says"),
    [
        ("comments.csv", b"", "空"),  # an empty file
        ("comments.csv", b"\n\n\n", "第 1 行"),  # no header
        ("comments.csv", "text\n好评\n".encode("utf-16-le"), "第 1 行"),  # UTF-16 without a BOM
        ("comments.csv", b"\xff\xfe\xfa\xfb\x80", "UTF-8"),  # no text encoding at all
        ("items.jsonl", b'{"text": "\xe5\xa5\xbd"}\n[1, 2]\n', "第 2 行"),  # not an object
        ("items.jsonl", b'{"text": "\xe5\xa5\xbd"}\n"just a string"\n', "第 2 行"),
        ("items.jsonl", b'{"text": 42}\n', "第 1 行"),  # the text is not text
    ],
)
def test_a_bad_labelling_file_is_a_clear_400(supervisor, draft, name, body, says):
    project = draft(Kind.LABELLING)
    before = world()
    response = signed_in(supervisor).post(
        f"/work/projects/{project.pk}/split",
        {"file": SimpleUploadedFile(name, body), "text_field": "text", "items_per_task": "2", "label_set": "好\n坏"},
    )
    assert response.status_code == 400 and says in page(response) and 'name="preview"' not in page(response)
    assert world() == before


def test_the_review_page_offers_the_ready_reasons_of_its_kind(supervisor, company, mother):
    def reasons(project) -> str:
        text = page(signed_in(supervisor).get(f"/work/review/{submitted(project, supervisor, mother).pk}/"))
        return text.split('id="reasons"')[1].split("</div></div>")[0]  # the ready reasons' block

    writing = reasons(factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1))
    assert "照片" not in writing and "字数" in writing and "成果不符合任务说明。" in writing
    assembly = reasons(factories.project(supervisor, company, tasks=1))
    assert "照片" in assembly and "字数" not in assembly


# --- the pay floor, said before 发布 ---------------------------------------------------------------


def test_a_project_below_the_floor_is_saved_with_a_warning_naming_the_minimum_rate(supervisor, company):
    browser = signed_in(supervisor)
    form = browser.get("/work/projects/new").content.decode()
    assert '{"region": "\\u4f5b\\u5c71\\u5e02", "yuan_per_hour": "18.60"}' in form  # what the form's script checks

    response = browser.post("/work/projects/new", project_fields(title="低价串珠", piece_rate="0.2000"), follow=True)

    made = Project.objects.get(title="低价串珠")
    assert made.status == ProjectStatus.DRAFT
    assert "已保存，但约合时薪 ¥12.00，低于佛山市最低小时工资 ¥18.60：计件单价至少 ¥0.31 才能发布。" in page(response)


def test_a_project_at_the_floor_is_saved_without_a_warning(supervisor, company):
    response = signed_in(supervisor).post("/work/projects/new", project_fields(title="串珠"), follow=True)

    assert "低于" not in page(response)


# --- who and which company, in the navigation -----------------------------------------------------


def test_the_navigation_names_her_and_her_company_and_switches_between_several(supervisor, company, other_company):
    supervisor.display_name = "张主管"
    supervisor.save()
    mine = factories.project(supervisor, company, title="甲公司的串珠")
    browser = signed_in(supervisor)
    one = page(browser.get("/work/"))
    assert f"张主管 · {company.name}" in one and "切换" not in one

    Membership.objects.create(user=supervisor, company=other_company, role=Role.SUPERVISOR)
    again = type(supervisor).objects.get(pk=supervisor.pk)  # (her roles are read once per user object)
    theirs = factories.project(again, other_company, title="乙公司的文案")
    both = browser.get("/work/").content.decode()
    assert 'id="company-switch"' in both and "甲公司的串珠" in both and "乙公司的文案" in both

    browser.post("/work/switch", {"company": other_company.pk, "next": "/work/"})
    chosen = browser.get("/work/").content.decode()
    assert "乙公司的文案" in chosen and "甲公司的串珠" not in chosen
    assert f'value="{other_company.pk}" selected' in chosen
    # Not one of hers, or a foreign address to go back to: all of hers again, and home.
    stranger = factories.CompanyFactory()
    back = browser.post("/work/switch", {"company": stranger.pk, "next": "https://evil.example/"})
    assert back["Location"] == "/work/" and "甲公司的串珠" in browser.get("/work/").content.decode()
    assert mine.pk and theirs.pk

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.models import LabelItem, Project, ProjectStatus, Task
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

NEW = {"kind": "assembly", "title": "帆布包", "piece_rate": "0.5000", "minutes_per_unit": "1.20"}


def test_create_a_draft(supervisor, company):
    response = api_for(supervisor).post("/api/v1/projects", NEW, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["company"] == company.pk and body["unit"] == "件"
    assert body["implied_hourly_pay"] == "25.00" and body["piece_rate"] == "0.5000"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"piece_rate": "0"}, "invalid"),
        ({"piece_rate": "-1"}, "invalid"),
        ({"minutes_per_unit": "abc"}, "invalid"),
        ({"kind": "sewing"}, "invalid"),
        ({"kind": "labelling"}, "label_set_required"),
        ({"title": ""}, "invalid"),
    ],
)
def test_bad_project_input_is_refused(supervisor, company, change, code):
    before = world()

    assert_refused(api_for(supervisor).post("/api/v1/projects", {**NEW, **change}, format="json"), 400, code, before)


def test_finance_cannot_create_projects(finance):
    before = world()

    assert_refused(api_for(finance).post("/api/v1/projects", NEW, format="json"), 403, "forbidden", before)


def test_lifecycle(supervisor, company):
    project = factories.project(supervisor, company, publish=False)
    client = api_for(supervisor)

    assert client.post(f"/api/v1/projects/{project.pk}/publish").json()["status"] == "published"
    assert client.post(f"/api/v1/projects/{project.pk}/pause").json()["status"] == "paused"
    assert client.post(f"/api/v1/projects/{project.pk}/publish").json()["status"] == "published"
    assert client.post(f"/api/v1/projects/{project.pk}/close").json()["status"] == "closed"
    before = world()
    for action in ("publish", "pause", "close"):
        assert_refused(client.post(f"/api/v1/projects/{project.pk}/{action}"), 409, "wrong_state", before)


def test_publish_needs_tasks(supervisor, company):
    project = api_for(supervisor).post("/api/v1/projects", NEW, format="json").json()
    before = world()

    assert_refused(api_for(supervisor).post(f"/api/v1/projects/{project['id']}/publish"), 409, "no_tasks", before)


def test_pay_may_only_go_up_once_published(supervisor, assembly):
    client = api_for(supervisor)
    before = world()

    refused = client.patch(f"/api/v1/projects/{assembly.pk}", {"piece_rate": "0.4000"}, format="json")
    assert_refused(refused, 409, "terms_fixed", before)
    slower = client.patch(f"/api/v1/projects/{assembly.pk}", {"minutes_per_unit": "2.00"}, format="json")
    assert_refused(slower, 409, "terms_fixed", before)

    raised = client.patch(f"/api/v1/projects/{assembly.pk}", {"piece_rate": "0.6000", "title": "新标题"}, format="json")
    assert raised.status_code == 200
    assert Project.objects.get(pk=assembly.pk).title == "新标题"


# --- split --------------------------------------------------------------------


def split(user, project, data, fmt="json"):
    return api_for(user).post(f"/api/v1/projects/{project.pk}/split", data, format=fmt)


def test_assembly_split_keeps_the_remainder(supervisor, company):
    project = factories.project(supervisor, company, tasks=1, units_per_task=5, publish=False)

    response = split(supervisor, project, {"total_units": 45, "units_per_task": 20})

    assert response.status_code == 201
    assert response.json() == {"created": 3, "first_task": response.json()["first_task"], "units": 45}
    assert list(project.tasks.order_by("number").values_list("number", "units")) == [(1, 5), (2, 20), (3, 20), (4, 5)]


def test_copywriting_split(supervisor, company):
    project = factories.project(supervisor, company, kind="copywriting", tasks=1, publish=False)

    response = split(supervisor, project, {"briefs": ["写一段童装介绍", "写一段睡衣介绍"]})

    assert response.status_code == 201
    assert list(project.tasks.order_by("number").values_list("brief", flat=True))[1:] == [
        "写一段童装介绍",
        "写一段睡衣介绍",
    ]


def test_labelling_split_from_csv_in_chunks(supervisor, company):
    project = factories.project(supervisor, company, kind="labelling", tasks=1, units_per_task=1, publish=False)
    rows = "id,text\n" + "".join(f"{i},评论{i}\n" for i in range(7))
    upload = SimpleUploadedFile("items.csv", rows.encode("utf-8-sig"), content_type="text/csv")

    response = split(supervisor, project, {"file": upload, "items_per_task": 3}, fmt="multipart")

    assert response.status_code == 201, response.content
    new_tasks = project.tasks.order_by("number")[1:]
    assert [t.units for t in new_tasks] == [3, 3, 1]
    first = LabelItem.objects.filter(task=new_tasks[0]).order_by("position")
    assert [(i.text, i.source_line, i.payload["id"]) for i in first] == [
        ("评论0", 2, "0"),
        ("评论1", 3, "1"),
        ("评论2", 4, "2"),
    ]


def test_a_quoted_csv_field_may_hold_line_breaks(supervisor, company):
    project = factories.project(supervisor, company, kind="labelling", tasks=1, units_per_task=1, publish=False)
    upload = SimpleUploadedFile("items.csv", 'text,id\n"第一行\n第二行",1\n"说""好""",2\n'.encode())

    response = split(supervisor, project, {"file": upload, "items_per_task": 5}, fmt="multipart")

    assert response.status_code == 201, response.content
    items = LabelItem.objects.filter(task__project=project, source_line__gte=2).order_by("source_line")
    assert [(i.text, i.source_line) for i in items] == [("第一行\n第二行", 2), ('说"好"', 4)]


def test_labelling_split_reads_gbk_csv_from_excel(supervisor, company):
    project = factories.project(supervisor, company, kind="labelling", tasks=1, units_per_task=1, publish=False)
    upload = SimpleUploadedFile("excel.csv", "text\n好评如潮\n".encode("gb18030"))

    response = split(supervisor, project, {"file": upload, "items_per_task": 5}, fmt="multipart")

    assert response.status_code == 201
    assert LabelItem.objects.filter(text="好评如潮").exists()


@pytest.mark.parametrize(
    ("name", "body", "line"),
    [
        ("bad.jsonl", '{"text": "一"}\n{"text": "二"}\n{"text": \n', 3),
        ("bad.jsonl", '{"text": "一"}\n["not", "an object"]\n', 2),
        ("bad.jsonl", '{"text": "一"}\n{"other": "x"}\n', 2),
        ("bad.csv", "text,id\n一,1\n二,2,extra\n", 3),
        ("bad.csv", "body,id\n一,1\n", 1),
        ("bad.csv", "text,id\n一,1\n,2\n", 3),
        # A quote never closed: refused at its line, not lines merged into one item.
        ("bad.csv", 'text,id\n一,1\n"二,2\n三,3\n四,4\n', 3),
        ("bad.csv", 'text,id\n一,1\n二,2\n"三,3\n四,"4"\n五,5\n', 4),
        ("bad.csv", 'text,id\n"一,1\n二,2\n三",3\n四,4\n', 2),  # closed later: still not one item
    ],
)
def test_bad_labelling_file_names_the_line_and_creates_nothing(supervisor, company, name, body, line):
    project = factories.project(supervisor, company, kind="labelling", tasks=1, units_per_task=1, publish=False)
    before = world()
    items_before = LabelItem.objects.count()

    response = split(
        supervisor, project, {"file": SimpleUploadedFile(name, body.encode()), "items_per_task": 2}, "multipart"
    )

    assert_refused(response, 400, "invalid_file", before)
    assert response.json()["error"]["details"]["line"] == line
    assert str(line) in response.json()["error"]["message"]
    assert LabelItem.objects.count() == items_before


def test_binary_file_is_refused(supervisor, company):
    project = factories.project(supervisor, company, kind="labelling", tasks=1, units_per_task=1, publish=False)
    before = world()
    upload = SimpleUploadedFile("x.csv", bytes(range(256)) * 4)

    assert_refused(
        split(supervisor, project, {"file": upload, "items_per_task": 2}, "multipart"), 400, "invalid_file", before
    )


@pytest.mark.parametrize(
    "body",
    [{"total_units": 0, "units_per_task": 5}, {"total_units": 10, "units_per_task": 20}, {"total_units": "x"}, {}],
)
def test_bad_assembly_split_creates_nothing(supervisor, assembly, body):
    before = world()
    response = split(supervisor, assembly, body)

    assert response.status_code == 400
    assert world() == before


def test_too_many_tasks_are_refused(supervisor, assembly, settings):
    settings.HOMESLOT_SPLIT_MAX_TASKS = 10
    before = world()

    assert_refused(split(supervisor, assembly, {"total_units": 11, "units_per_task": 1}), 400, "too_many_tasks", before)


def test_split_a_closed_project_is_refused(supervisor, assembly):
    api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/close")
    before = world()

    assert_refused(split(supervisor, assembly, {"total_units": 5, "units_per_task": 5}), 409, "wrong_state", before)


# --- slots and progress ---------------------------------------------------------


def test_slots(supervisor, assembly):
    client = api_for(supervisor)
    good = {"starts_at": "2030-03-02T09:00:00+08:00", "ends_at": "2030-03-02T11:30:00+08:00", "capacity": 5}

    created = client.post(f"/api/v1/projects/{assembly.pk}/slots", good, format="json")

    assert created.status_code == 201
    assert created.json()["places_left"] == 5
    before = world()
    backwards = {**good, "ends_at": "2030-03-02T08:00:00+08:00"}
    assert_refused(
        client.post(f"/api/v1/projects/{assembly.pk}/slots", backwards, format="json"),
        400,
        "invalid_slot_times",
        before,
    )
    past = {**good, "starts_at": "2020-03-02T09:00:00+08:00", "ends_at": "2020-03-02T10:00:00+08:00"}
    assert_refused(
        client.post(f"/api/v1/projects/{assembly.pk}/slots", past, format="json"), 400, "invalid_slot_times", before
    )
    assert_refused(
        client.post(f"/api/v1/projects/{assembly.pk}/slots", {**good, "capacity": 0}, format="json"),
        400,
        "invalid",
        before,
    )


def test_progress(supervisor, assembly):
    body = api_for(supervisor).get(f"/api/v1/projects/{assembly.pk}/progress").json()

    assert body["tasks"] == {
        "total": 3,
        "open": 3,
        "claimed": 0,
        "submitted": 0,
        "accepted": 0,
        "partially_accepted": 0,
        "rejected": 0,
    }
    assert body["units_total"] == 30 and body["budget_fen"] == 1500 and body["accrued_fen"] == 0
    assert Task.objects.filter(project=assembly).count() == 3
    assert ProjectStatus(body["status"]) == ProjectStatus.PUBLISHED


def test_progress_is_one_statement_with_the_money_and_the_queue(supervisor, assembly, slot, mother, other_mother):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks import selectors, services

    handed = []
    for worker in (mother, other_mother):
        claim = services.task_claim_next(worker=worker, project_id=assembly.pk, slot_id=slot.pk)
        handed.append(services.claim_submit(worker=worker, claim_id=claim.pk, completed_units=7))
    services.submission_review(actor=supervisor, submission_id=handed[0].pk, decision="accept")

    with CaptureQueriesContext(connection) as queries:
        progress = selectors.project_progress(assembly)

    assert len(queries) == 1
    assert progress["tasks"] == {
        "total": 3,
        "open": 1,
        "claimed": 0,
        "submitted": 1,
        "accepted": 1,
        "partially_accepted": 0,
        "rejected": 0,
    }
    assert (progress["units_total"], progress["units_accepted"]) == (30, 7)
    assert (progress["accrued_fen"], progress["budget_fen"], progress["submissions_waiting"]) == (350, 1500, 1)
    handed[1].refresh_from_db()
    assert progress["oldest_waiting_since"] == handed[1].submitted_at.isoformat()

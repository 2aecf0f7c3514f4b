"""Large labelling files are split by a background job: all of it, or none with the line at fault."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks import jobs
from tasks.models import Kind, LabelItem, SplitJob, SplitStatus, Task
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelling(supervisor, company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HOMESLOT_SPLIT_SYNC_BYTES = 1024  # anything bigger goes to the background
    return factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, publish=False)


def jsonl(count: int, *, broken_at: int | None = None) -> SimpleUploadedFile:
    lines = [json.dumps({"text": f"评论 {i}：包装很好，发货很快"}, ensure_ascii=False) for i in range(count)]
    if broken_at is not None:
        lines[broken_at - 1] = "{not json"
    return SimpleUploadedFile("reviews.jsonl", "\n".join(lines).encode())


def split(user, project, upload, per=50):
    return api_for(user).post(
        f"/api/v1/projects/{project.pk}/split", {"file": upload, "items_per_task": per}, format="multipart"
    )


def test_a_large_file_is_split_in_the_background(supervisor, labelling):
    before = Task.objects.filter(project=labelling).count()
    response = split(supervisor, labelling, jsonl(5_000))

    assert response.status_code == 202 and response.json()["status"] == "queued"
    job_id = response.json()["id"]
    assert Task.objects.filter(project=labelling).count() == before  # nothing yet

    assert jobs.split_run.call(job_id) == 100
    assert jobs.split_run.call(job_id) == 0  # a second run changes nothing

    state = api_for(supervisor).get(f"/api/v1/split-jobs/{job_id}").json()
    assert (state["status"], state["tasks_created"], state["units_created"], state["progress_percent"]) == (
        "done",
        100,
        5_000,
        100,
    )
    assert Task.objects.filter(project=labelling).count() == before + 100
    assert LabelItem.objects.filter(task__project=labelling).count() == 5_000 + before * 10


def test_a_bad_line_fails_the_job_with_its_number_and_creates_nothing(supervisor, labelling):
    before = (Task.objects.count(), LabelItem.objects.count())
    job_id = split(supervisor, labelling, jsonl(3_000, broken_at=2_718)).json()["id"]

    jobs.split_run.call(job_id)

    job = SplitJob.objects.get(pk=job_id)
    assert job.status == SplitStatus.FAILED and job.error_line == 2_718 and "2718" in job.error
    assert (Task.objects.count(), LabelItem.objects.count()) == before


def test_a_small_file_is_still_split_at_once(supervisor, labelling):
    response = split(supervisor, labelling, jsonl(10), per=5)
    assert response.status_code == 201 and response.json()["created"] == 2


def test_another_company_cannot_see_or_start_a_split(supervisor, labelling, other_company):
    job_id = split(supervisor, labelling, jsonl(2_000)).json()["id"]
    stranger = factories.staff(other_company)
    assert api_for(stranger).get(f"/api/v1/split-jobs/{job_id}").status_code == 404
    assert split(stranger, labelling, jsonl(2_000)).status_code == 404
    assert SplitJob.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("items.jsonl", b'{"text": "ok"}\n{"text": "bad\\u0000one"}\n', 2),
        ("items.jsonl", b'{"text": "ok", "\\u0000": 1}\n', 1),
        ("items.csv", b"text\nok\nbad\x00one\n", 3),
    ],
)
def test_a_nul_character_is_refused_with_its_line_and_nothing_is_made(supervisor, company, name, content, line):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, publish=False)
    before = world()

    response = split(supervisor, project, SimpleUploadedFile(name, content), per=1)

    assert_refused(response, 400, "invalid_file", before)
    assert response.json()["error"]["details"]["line"] == line


@pytest.mark.parametrize(
    "bad",
    [
        '{"text": "深", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"text": "深", "x": ' + "[" * 40 + "]" * 40 + "}",
        '{"text": "NaN", "score": NaN}',
    ],
    ids=["100000-deep", "40-deep", "NaN"],
)
def test_a_line_nested_absurdly_deep_or_with_nan_is_refused_with_its_line(supervisor, company, bad):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, publish=False)
    before = world()

    response = split(supervisor, project, SimpleUploadedFile("items.jsonl", ('{"text": "ok"}\n' + bad).encode()), per=1)

    assert_refused(response, 400, "invalid_file", before)
    assert response.json()["error"]["details"] == {"line": 2}


def test_a_background_job_with_a_line_nested_absurdly_deep_fails_with_its_line(supervisor, labelling):
    lines = [json.dumps({"text": f"评论 {i}"}, ensure_ascii=False) for i in range(2_000)]
    lines[999] = '{"text": "深", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    job_id = split(supervisor, labelling, SimpleUploadedFile("r.jsonl", "\n".join(lines).encode())).json()["id"]

    assert jobs.split_run.call(job_id) == 0

    job = SplitJob.objects.get(pk=job_id)
    assert (job.status, job.error_line) == (SplitStatus.FAILED, 1_000)


def test_a_background_job_with_a_nul_character_fails_with_its_line(supervisor, labelling):
    lines = [json.dumps({"text": f"评论 {i}"}, ensure_ascii=False) for i in range(2_000)]
    lines[1_499] = '{"text": "坏\\u0000的"}'  # PostgreSQL stores no NUL: before, the job stayed "running"
    job_id = split(supervisor, labelling, SimpleUploadedFile("r.jsonl", "\n".join(lines).encode())).json()["id"]

    assert jobs.split_run.call(job_id) == 0

    job = SplitJob.objects.get(pk=job_id)
    assert (job.status, job.error_line) == (SplitStatus.FAILED, 1_500)


def test_a_small_file_of_many_items_goes_to_the_background(supervisor, labelling, settings):
    settings.HOMESLOT_SPLIT_SYNC_BYTES = 10 * 1024 * 1024
    settings.HOMESLOT_SPLIT_MAX_TASKS = 10
    upload = SimpleUploadedFile("short.csv", ("text\n" + "\n".join(f"好{i}" for i in range(30))).encode())

    response = split(supervisor, labelling, upload, per=1)

    assert response.status_code == 202
    assert jobs.split_run.call(response.json()["id"]) == 30


@pytest.mark.parametrize(
    "body",
    [
        {"total_units": 10**12, "units_per_task": 10**12},
        {"total_units": 10**8, "units_per_task": 10},
    ],
)
def test_huge_numbers_in_an_order_are_a_clear_400(supervisor, company, body):
    project = factories.project(supervisor, company, tasks=1, publish=False)
    before = world()
    for query in ("?preview=1", ""):
        response = api_for(supervisor).post(f"/api/v1/projects/{project.pk}/split{query}", body, format="json")
        assert_refused(response, 400, "invalid_split", before)

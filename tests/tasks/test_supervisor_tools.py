"""What the supervisors' workspace builds on: a split preview, weekly slot patterns."""

import datetime

import pytest
import time_machine

from tasks.models import Kind, Task, TimeSlot
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db


def test_a_split_preview_shows_what_and_how_much_and_creates_nothing(supervisor, company):
    project = factories.project(supervisor, company, tasks=1, publish=False)  # 0.50 a piece, 1 minute
    before = world()

    response = api_for(supervisor).post(
        f"/api/v1/projects/{project.pk}/split?preview=1", {"total_units": 1005, "units_per_task": 20}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["tasks"], body["units"], body["units_per_task"]) == (51, 1005, [5, 20])
    assert (body["cost_fen"], body["cost_display"], body["estimated_hours"]) == (50_250, "¥502.50", 16.8)
    assert world() == before


def test_a_preview_of_a_bad_file_names_the_line(supervisor, company):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, publish=False)
    bad = SimpleUploadedFile("x.jsonl", b'{"text": "ok"}\n{"text": ""}\n')
    response = api_for(supervisor).post(
        f"/api/v1/projects/{project.pk}/split?preview=1", {"file": bad, "items_per_task": 5}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["error"]["details"]["line"] == 2


def test_a_weekly_pattern_makes_one_slot_per_matching_day_once(supervisor, assembly):
    body = {"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "11:30", "weeks": 4, "capacity": 8}
    monday = datetime.datetime(2026, 11, 30, 8, tzinfo=datetime.UTC)  # Monday 16:00 in Shanghai
    with time_machine.travel(monday, tick=False):
        first = api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/slots/pattern", body, format="json")
        again = api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/slots/pattern", body, format="json")

    assert first.status_code == 201
    slots = first.json()
    assert len(slots) == 19  # 20 weekdays in 4 weeks, less today's, already over
    assert slots[0]["starts_at"].startswith("2026-12-01T09:00:00+08:00")
    assert all(s["capacity"] == 8 for s in slots)
    assert again.json() == []  # the same pattern twice makes nothing new
    assert TimeSlot.objects.filter(project=assembly).count() == 19


@pytest.mark.parametrize(
    "body",
    [
        {"weekdays": [], "start": "09:00", "end": "11:30", "weeks": 1, "capacity": 1},
        {"weekdays": [7], "start": "09:00", "end": "11:30", "weeks": 1, "capacity": 1},
        {"weekdays": [0], "start": "11:30", "end": "09:00", "weeks": 1, "capacity": 1},
        {"weekdays": [0], "start": "06:00", "end": "23:00", "weeks": 1, "capacity": 1},
        {"weekdays": [0], "start": "09:00", "end": "11:30", "weeks": 13, "capacity": 1},
    ],
)
def test_bad_patterns_are_refused_and_change_nothing(supervisor, assembly, body):
    before = world()
    response = api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/slots/pattern", body, format="json")
    assert_refused(response, 400, response.json()["error"]["code"], before)


def test_only_supervisors_of_the_company_make_patterns(finance, other_company, assembly):
    body = {"weekdays": [0], "start": "09:00", "end": "11:30", "weeks": 1, "capacity": 1}
    assert (
        api_for(finance).post(f"/api/v1/projects/{assembly.pk}/slots/pattern", body, format="json").status_code == 403
    )
    stranger = factories.staff(other_company)
    assert (
        api_for(stranger).post(f"/api/v1/projects/{assembly.pk}/slots/pattern", body, format="json").status_code == 404
    )
    assert Task.objects.filter(project=assembly).exists()


def test_reason_templates_come_in_the_callers_language(supervisor, mother):
    chinese = api_for(supervisor).get("/api/v1/reviews/reason-templates").json()
    english = api_for(supervisor).get("/api/v1/reviews/reason-templates", HTTP_ACCEPT_LANGUAGE="en").json()
    assert set(chinese) == {"partial", "reject", "revise"}
    assert chinese["reject"][0] == "成果不符合任务说明。"
    assert english["reject"][0] == "The work does not follow the instructions."
    assert api_for(mother).get("/api/v1/reviews/reason-templates").status_code == 403


def test_a_pattern_starting_past_a_year_ahead_is_refused_not_a_500(supervisor, assembly):
    body = {"weekdays": [0], "start": "09:00", "end": "11:30", "weeks": 1, "capacity": 1, "first_day": "9999-12-27"}
    before = world()
    response = api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/slots/pattern", body, format="json")
    assert_refused(response, 400, "invalid_pattern", before)


def test_ready_reasons_fit_the_kind_of_work(supervisor):
    writing = api_for(supervisor).get("/api/v1/reviews/reason-templates", {"kind": "copywriting"}).json()
    everything = api_for(supervisor).get("/api/v1/reviews/reason-templates").json()
    photos = [text for text in everything["reject"] if "照片" in text]
    assert photos and not [text for texts in writing.values() for text in texts if "照片" in text]
    assert writing["reject"][0] == "成果不符合任务说明。"  # a reason every kind shares
    assembly = api_for(supervisor).get("/api/v1/reviews/reason-templates", {"kind": "assembly"}).json()
    assert photos[0] in assembly["reject"] and not [t for t in assembly["revise"] if "字数" in t or "篇幅" in t]
    refused = api_for(supervisor).get("/api/v1/reviews/reason-templates", {"kind": "knitting"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_kind"

"""GET /api/v1/projects/{id}/results/export and the background build (POST …/results/exports): a
project's results as CSV (a BOM, the kind's columns, text that starts like a formula neutralised),
XLSX (text cells, never formulas) or JSON lines; labelling spreads each item's own record into its
columns; accepted only by default; gold items never; other companies' staff and mothers get nothing."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from core.export_jobs import ExportStatus
from realtime.models import OutboxEvent
from tasks import results, services
from tasks.jobs import results_export_build
from tasks.models import Kind, ResultsExport
from tests import factories
from tests.conftest import download

pytestmark = pytest.mark.django_db
HOSTILE = ['=HYPERLINK("http://x")', "+1+1"]


def claim(mother, project):
    slot = factories.slot(project.created_by, project)
    return services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


def export_url(project, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/projects/{project.pk}/results/export?{query}"


def labelling_project(supervisor, company):
    """Tasks of three items, from records with the company's own fields: two ordinary items and the one
    gold item (a known answer) mixed into each (gold_rate); the gold item is never a result."""
    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind=Kind.LABELLING,
        **{**factories.PROJECT_DEFAULTS[Kind.LABELLING], "title": "评论标注"},
    )
    records = [
        {"text": f"评论 {i}", "sku": f"A-{i}", "note": HOSTILE[i % 2] if i < 2 else "普通", "meta": {"shop": i}}
        for i in range(6)
    ]
    records[5]["answer"] = "好评"  # a gold item (known answer): never a result
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    services.project_split(
        actor=supervisor,
        project_id=project.pk,
        file=SimpleUploadedFile("items.jsonl", body.encode()),
        items_per_task=3,
        gold_field="answer",
    )
    services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    project.refresh_from_db()
    return project


@pytest.fixture
def worked(supervisor, company, mother, other_mother):
    """One project of each kind with one accepted hand-in (hostile text where a person typed it) and
    one rejected."""

    def hand_in(project, who, text):
        held = claim(who, project)
        given = {
            Kind.COPYWRITING: {"text": text},
            Kind.LABELLING: {"labels": {str(i.pk): "好评" for i in held.task.items.all()}},
            Kind.ASSEMBLY: {"completed_units": 2},
        }[project.kind]
        return services.claim_submit(worker=who, claim_id=held.pk, **given)

    projects = {
        Kind.COPYWRITING: factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=3),
        Kind.LABELLING: labelling_project(supervisor, company),
        Kind.ASSEMBLY: factories.project(supervisor, company, tasks=2, units_per_task=2),
    }
    for project in projects.values():
        accepted = hand_in(project, mother, HOSTILE[0])
        services.submission_review(actor=supervisor, submission_id=accepted.pk, decision="accept")
        rejected = hand_in(project, other_mother, HOSTILE[1])
        services.submission_review(actor=supervisor, submission_id=rejected.pk, decision="reject", reason="+不合格")
    return projects


def expected_header(kind) -> list[str]:
    if kind != Kind.LABELLING:
        return list(results.COLUMNS[kind])
    spread = ["meta", "note", "sku", "record.text"]  # the record's fields by name
    return [name for key in results.COLUMNS[kind] for name in (spread if key == "record" else [key])]


def api_rows(supervisor, project, state="accepted") -> list[dict]:
    from tests.conftest import api_for

    return api_for(supervisor).get(f"/api/v1/projects/{project.pk}/results", {"state": state}).json()["results"]


@pytest.mark.parametrize("kind", [Kind.COPYWRITING, Kind.LABELLING, Kind.ASSEMBLY])
def test_the_csv_has_a_bom_the_kinds_columns_and_neutralised_text(supervisor, worked, kind):
    project = worked[kind]
    status, response, body = download(supervisor, export_url(project, format="csv"))

    assert status == 200 and response["Content-Type"].startswith("text/csv")
    assert f"results-{project.pk}-" in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:]
    assert header == expected_header(kind)
    assert len(lines) == len(api_rows(supervisor, project))
    if kind == Kind.COPYWRITING:
        assert [line[header.index("text")] for line in lines] == ["'" + HOSTILE[0]]
    if kind == Kind.LABELLING:
        assert len(lines) == 2  # the first task's two ordinary items, not its gold one
        assert [line[header.index("sku")] for line in lines] == ["A-0", "A-1"]
        assert [line[header.index("note")] for line in lines] == ["'" + HOSTILE[0], "'" + HOSTILE[1]]
        assert lines[0][header.index("meta")] == '{"shop":0}'  # a dict: compact JSON text
        assert {line[header.index("label")] for line in lines} == {"好评"}


@pytest.mark.parametrize("kind", [Kind.COPYWRITING, Kind.LABELLING, Kind.ASSEMBLY])
def test_the_xlsx_holds_the_same_rows_as_text_and_numbers(supervisor, worked, kind):
    project = worked[kind]
    status, response, body = download(supervisor, export_url(project, format="xlsx", state="all"))

    assert status == 200 and ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == expected_header(kind)
    assert len(rows) - 1 == len(api_rows(supervisor, project, state="all"))
    cells = {name: [row[header.index(name)] for row in sheet.iter_rows(min_row=2)] for name in header}
    assert all(cell.data_type != "f" for column in cells.values() for cell in column)  # never a formula
    if kind == Kind.COPYWRITING:
        assert sorted(cell.value for cell in cells["text"]) == sorted(HOSTILE)
    if kind == Kind.ASSEMBLY:
        assert sorted(cell.value for cell in cells["units_issued"]) == [2, 2]
    if kind == Kind.LABELLING:
        assert [cell.value for cell in cells["note"]][:2] == HOSTILE
        assert {cell.data_type for cell in cells["note"]} == {"s"}


@pytest.mark.parametrize("kind", [Kind.COPYWRITING, Kind.LABELLING, Kind.ASSEMBLY])
def test_the_jsonl_is_the_apis_rows_one_a_line(supervisor, worked, kind):
    project = worked[kind]
    status, response, body = download(supervisor, export_url(project, format="jsonl", state="all"))

    assert status == 200 and response["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert lines == api_rows(supervisor, project, state="all")
    assert all(list(line) == list(results.COLUMNS[kind]) for line in lines)
    if kind == Kind.LABELLING:
        assert lines[0]["record"] == {"text": "评论 0", "sku": "A-0", "note": HOSTILE[0], "meta": {"shop": 0}}
        assert all("answer" not in line["record"] for line in lines)


def test_accepted_only_by_default_and_every_decided_hand_in_with_all(supervisor, worked):
    project = worked[Kind.COPYWRITING]
    accepted = download(supervisor, export_url(project, format="jsonl"))[2].decode().splitlines()
    every = download(supervisor, export_url(project, format="jsonl", state="all"))[2].decode().splitlines()

    assert [json.loads(line)["status"] for line in accepted] == ["accepted"]
    assert sorted(json.loads(line)["status"] for line in every) == ["accepted", "rejected"]


def test_gold_items_are_never_in_the_file(supervisor, worked):
    project = worked[Kind.LABELLING]
    body = download(supervisor, export_url(project, format="csv", state="all"))[2].decode("utf-8-sig")

    assert "A-5" not in body and "A-0" in body and "A-3" in body  # A-5 is the gold one, in every task


def test_a_dict_or_list_is_compact_json_and_a_yes_no_a_boolean():
    from tasks import results_export

    assert results_export.cell({"a": [1, "二"]}) == ('{"a":[1,"二"]}', True)
    assert results_export.cell([{"x": 1}]) == ('[{"x":1}]', True)
    assert results_export.cell(True) == (True, False)
    assert results_export.cell(0.5) == (0.5, False)
    assert results_export.cell(12345678901234567) == ("12345678901234567", True)  # more digits than Excel keeps
    assert results_export.cell(None) == (None, False)


def test_only_the_companys_staff_get_the_file(supervisor, worked, mother, other_company):
    project = worked[Kind.COPYWRITING]
    before = ResultsExport.objects.count()

    assert download(factories.staff(other_company, Role.SUPERVISOR), export_url(project, format="csv"))[0] == 404
    assert download(mother, export_url(project, format="csv"))[0] in (403, 404)
    assert download(factories.staff(project.company, Role.FINANCE), export_url(project, format="csv"))[0] == 200
    bad_format = download(supervisor, export_url(project, format="pdf"))
    bad_state = download(supervisor, export_url(project, format="csv", state="maybe"))
    assert bad_format[0] == 400 and json.loads(bad_format[2])["error"]["code"] == "invalid_format"
    assert bad_state[0] == 400 and json.loads(bad_state[2])["error"]["code"] == "invalid_results_state"
    other = Client()
    other.force_login(factories.staff(other_company, Role.SUPERVISOR))
    asked = other.post(
        f"/api/v1/projects/{project.pk}/results/exports", {"format": "csv"}, content_type="application/json"
    )
    assert asked.status_code == 404 and ResultsExport.objects.count() == before


def test_a_large_project_is_built_in_the_background_with_progress(supervisor, worked, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HOMESLOT_RESULTS_EXPORT_INLINE_MAX = 1
    project = worked[Kind.LABELLING]
    client = Client()
    client.force_login(supervisor)

    refused = download(supervisor, export_url(project, format="xlsx"))
    assert refused[0] == 409 and json.loads(refused[2])["error"]["code"] == "results_export_too_large"
    assert json.loads(refused[2])["error"]["details"]["rows"] == 2

    asked = client.post(
        f"/api/v1/projects/{project.pk}/results/exports",
        {"format": "xlsx", "state": "accepted"},
        content_type="application/json",
    )
    assert asked.status_code == 202 and asked.json()["status"] == "queued" and asked.json()["download"] is None
    export_id = asked.json()["id"]
    detail = f"/api/v1/projects/{project.pk}/results/exports/{export_id}"
    assert client.get(f"{detail}/download").status_code == 409  # not built yet
    assert not OutboxEvent.objects.filter(type="results.ready").exists()

    assert results_export_build.call(export_id) == 2
    assert results_export_build.call(export_id) == 0  # built already: a second run changes nothing

    state = client.get(detail).json()
    assert (state["status"], state["rows_done"], state["rows_total"], state["progress_percent"]) == (
        "ready",
        2,
        2,
        100,
    )
    assert state["download"] == f"{detail}/download"
    [event] = OutboxEvent.objects.filter(type="results.ready")
    assert event.group == f"company.{project.company_id}.staff"
    assert event.data["download"] == state["download"] and event.data["rows"] == 2
    status, response, body = download(supervisor, state["download"])
    assert status == 200 and ".xlsx" in response["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == expected_header(Kind.LABELLING) and len(rows) == 3
    assert ResultsExport.objects.get(pk=export_id).status == ExportStatus.READY
    assert [p.name for p in (tmp_path / "exports").iterdir()] == [f"{export_id}.xlsx"]  # no part left behind


def test_a_run_that_fails_halfway_leaves_no_file_to_serve(
    supervisor, worked, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from tasks import results_export

    settings.MEDIA_ROOT = tmp_path
    project = worked[Kind.LABELLING]
    from tasks.results_export_requests import results_export_request

    with django_capture_on_commit_callbacks(execute=False):
        export = results_export_request(actor=supervisor, project_id=project.pk, kind="csv")

    def half_written(project, *, target, **options):
        with open(target, "w") as out:
            out.write("task,line\n1,")
        raise OSError("disk full")

    monkeypatch.setattr(results_export, "write", half_written)
    with pytest.raises(OSError):
        results_export_build.call(str(export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "disk full" in export.error
    assert list((tmp_path / "exports").iterdir()) == []


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_the_background_file_is_the_streamed_file(supervisor, worked, settings, tmp_path, kind):
    settings.MEDIA_ROOT = tmp_path
    project = worked[Kind.LABELLING]
    client = Client()
    client.force_login(supervisor)
    asked = client.post(
        f"/api/v1/projects/{project.pk}/results/exports",
        {"format": kind, "state": "all"},
        content_type="application/json",
    ).json()
    results_export_build.call(asked["id"])

    built = download(
        supervisor, client.get(f"/api/v1/projects/{project.pk}/results/exports/{asked['id']}").json()["download"]
    )
    streamed = download(supervisor, export_url(project, format=kind, state="all"))
    assert built[2] == streamed[2]


def test_another_companys_staff_cannot_see_or_download_an_export(supervisor, worked, other_company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = worked[Kind.ASSEMBLY]
    export = ResultsExport.objects.create(project=project, requested_by=supervisor, format="csv")
    results_export_build.call(str(export.pk))
    outsider = factories.staff(other_company, Role.ADMIN)
    path = f"/api/v1/projects/{project.pk}/results/exports/{export.pk}"

    assert download(outsider, path)[0] == 404
    assert download(outsider, f"{path}/download")[0] == 404
    assert download(supervisor, f"{path}/download")[0] == 200


def test_a_bad_request_for_a_background_file_changes_nothing(supervisor, worked):
    project = worked[Kind.ASSEMBLY]
    client = Client()
    client.force_login(supervisor)
    for body, code in (
        ({"format": "pdf"}, "invalid_format"),
        ({"format": "csv", "state": "x"}, "invalid_results_state"),
    ):
        answer = client.post(f"/api/v1/projects/{project.pk}/results/exports", body, content_type="application/json")
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    assert not ResultsExport.objects.exists()


def test_records_with_too_many_fields_stay_one_json_column(supervisor, worked, monkeypatch):
    from tasks import results_export

    project = worked[Kind.LABELLING]
    monkeypatch.setattr(results_export, "MAX_RECORD_FIELDS", 3)  # the fixture's records have four fields
    body = download(supervisor, export_url(project, format="csv"))[2].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == list(results.COLUMNS[Kind.LABELLING])
    record = json.loads(rows[1][rows[0].index("record")])
    assert record["sku"] == "A-0" and record["meta"] == {"shop": 0}

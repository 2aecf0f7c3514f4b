"""Payout and ledger files: Chinese that Excel reads, masked fields, no formula injection,
a new XLSX sheet past Excel's row limit."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine

from accounts.models import Role
from core import files
from ledger import adjustments, exports, payouts, periods
from ledger.models import PayoutBatch, PayoutStatus
from tasks import services as task_services
from tests import factories
from tests.conftest import download

pytestmark = pytest.mark.django_db
NOV_5 = datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)
HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\nLF"]
CARDS = [factories.card_number("621700") for _ in range(8)]  # her bank cards (valid Luhn), one each


@pytest.fixture
def settled(company, finance):
    """Mothers with Chinese and hostile names, a card on file, credited and in an approved batch."""
    mothers = []
    for i, name in enumerate(["王小花", *HOSTILE]):
        mother = factories.mother()
        mother.worker_profile.display_name = name
        mother.worker_profile.save()
        factories.payout_account(mother, number=CARDS[i])
        mothers.append(mother)
    with time_machine.travel(NOV_5, tick=False):
        for i, mother in enumerate(mothers):
            factories.worked_for(company, mother)
            adjustments.adjustment_post(
                actor=finance,
                company_id=company.pk,
                worker_id=mother.pk,
                amount_fen=12_345 + i,
                reason=HOSTILE[i % len(HOSTILE)] if i else "计件收入",
            )
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
        payouts.payout_approve(actor=factories.staff(company, Role.FINANCE), batch_id=batch.pk)
    return batch, mothers


def test_the_payout_csv_opens_in_excel_with_chinese_masked_and_inert(finance, settled):
    batch, mothers = settled
    with time_machine.travel(NOV_20, tick=False):
        status, response, body = download(finance, f"/api/v1/payouts/{batch.pk}/export?format=csv")

    assert status == 200 and response["Content-Type"].startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:]
    assert len(lines) == len(mothers) and header[0] == "妈妈"
    first = lines[0]
    assert first[0] == "王小花"
    assert first[1] == f"{mothers[0].phone[3:6]}****{mothers[0].phone[-4:]}"
    assert first[2] == f"****{CARDS[0][-4:]}"
    assert first[5] == "123.45"
    for line in lines[1:]:
        assert line[0].startswith("'"), line[0]  # typed text that starts like a formula stays text
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutStatus.EXPORTED


def test_the_payout_xlsx_reads_back_as_text_and_numbers(finance, settled):
    batch, _mothers = settled
    with time_machine.travel(NOV_20, tick=False):
        status, _response, body = download(finance, f"/api/v1/payouts/{batch.pk}/export?format=xlsx")

    assert status == 200
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "妈妈" and rows[1][0] == "王小花" and rows[1][2] == f"****{CARDS[0][-4:]}"
    assert rows[1][5] == pytest.approx(123.45)
    cells = [row[0] for row in sheet.iter_rows(min_row=3)]
    # xlsxwriter stores a CR as the OOXML escape _x000D_, which Excel shows as the character.
    assert [cell.value.replace("_x000D_", "\r") for cell in cells] == HOSTILE
    assert all(cell.data_type == "s" for cell in cells)  # strings, never formulas


def test_the_ledger_export_covers_the_period_and_neutralises_memos(finance, company, settled):
    with time_machine.travel(NOV_20, tick=False):
        status, _, body = download(finance, "/api/v1/ledger/export?from=2026-11-01&to=2026-11-15&format=csv")

    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2 * 8  # two postings per credit
    memos = {row[11] for row in rows[1:]}
    assert "计件收入" in memos and all(not m.startswith(tuple(files.DANGEROUS_FIRST)) for m in memos)
    names = {row[2] for row in rows[1:] if row[2]}
    assert "王小花" in names


def test_bad_export_requests_get_clear_errors(finance, settled):
    batch, _ = settled
    assert download(finance, f"/api/v1/payouts/{batch.pk}/export?format=pdf")[0] == 400
    assert download(finance, "/api/v1/ledger/export?from=2026-11-30&to=2026-11-01")[0] == 400
    assert download(finance, "/api/v1/ledger/export?from=nope&to=2026-11-01")[0] == 400


def test_a_new_sheet_begins_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(files, "XLSX_MAX_DATA_ROWS", 3)
    pages = [[[(f"妈妈{i}", True), (i, False)] for i in range(page * 4, page * 4 + 4)] for page in range(2)]

    handle = files.xlsx_file(["妈妈", "件数"], iter(pages), sheet="ledger")
    book = openpyxl.load_workbook(handle)

    assert [ws.title for ws in book.worksheets] == ["ledger", "ledger (2)", "ledger (3)"]
    assert [row[0] for row in book.worksheets[1].iter_rows(values_only=True)] == ["妈妈", "妈妈3", "妈妈4", "妈妈5"]
    total = sum(ws.max_row - 1 for ws in book.worksheets)
    assert total == 8


def test_neutralise():
    assert [files.neutralise(v) for v in ("=1", "a=1", "", None, 12)] == ["'=1", "a=1", "", "", "12"]


def test_on_postgresql_copy_writes_the_same_cells_as_the_row_loop(on_postgres, company, settled):
    """The COPY path (PostgreSQL) and the row loop (SQLite) must produce the same file."""
    window = {
        "company_ids": [company.pk],
        "since": periods.day_start(datetime.date(2026, 11, 1)),
        "before": periods.day_start(datetime.date(2026, 11, 16)),
    }
    by_loop = "".join(files._csv_text(page) for page in exports.ledger_pages(**window))
    by_copy = b"".join(exports.ledger_copy_blocks(**window)).decode()

    assert by_copy.replace("\r\n", "\n") == by_loop.replace("\r\n", "\n")
    assert len(list(csv.reader(io.StringIO(by_loop)))) == 16  # a cell may hold a newline


def test_a_large_workbook_is_built_in_the_background_with_progress(finance, company, settled, settings, tmp_path):
    from django.test import Client

    from core.export_jobs import ExportStatus
    from ledger.jobs import ledger_export_build
    from ledger.models import LedgerExport

    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(finance)
    with time_machine.travel(NOV_20, tick=False):
        requested = client.post(
            "/api/v1/ledger/exports",
            {"period_start": "2026-11-01", "period_end": "2026-11-15"},
            content_type="application/json",
        )
    assert requested.status_code == 202 and requested.json()["status"] == "queued"
    export_id = requested.json()["id"]
    assert client.get(f"/api/v1/ledger/exports/{export_id}/download").status_code == 409  # not ready

    assert ledger_export_build.call(export_id) == 16
    assert ledger_export_build.call(export_id) == 0  # done already: a second run changes nothing

    state = client.get(f"/api/v1/ledger/exports/{export_id}").json()
    assert (state["status"], state["rows_done"], state["rows_total"], state["progress_percent"]) == (
        "ready",
        16,
        16,
        100,
    )
    page = client.get(f"/finance/exports/{export_id}/").content.decode()
    assert "<progress" in page and state["download"] in page
    status, _, body = download(finance, state["download"])
    assert status == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 18 and rows[0][0] == "日期" and rows[-1][0] == "合计"  # 16 entries and the totals
    assert LedgerExport.objects.get(pk=export_id).status == ExportStatus.READY


def test_another_companys_finance_cannot_see_an_export(finance, company, other_company, settled):
    from ledger.models import LedgerExport

    export = LedgerExport.objects.create(
        company=company,
        requested_by=finance,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 15),
    )
    theirs = factories.staff(other_company, Role.FINANCE)
    assert download(theirs, f"/api/v1/ledger/exports/{export.pk}")[0] == 404
    assert download(theirs, f"/api/v1/ledger/exports/{export.pk}/download")[0] == 404


def test_the_payout_file_names_the_tasks_the_money_came_from(company, supervisor, finance, mother):
    from tests.conftest import api_for

    with time_machine.travel(NOV_5, tick=False):
        project = factories.project(supervisor, company, tasks=2, claim_limit=2, title="帆布袋")
        slot = factories.slot(supervisor, project)
        for _ in range(2):
            claim = api_for(mother).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json")
            submission = api_for(mother).post(
                f"/api/v1/claims/{claim.json()['id']}/submit", {"completed_units": 10}, format="json"
            )
            api_for(supervisor).post(
                f"/api/v1/submissions/{submission.json()['id']}/review", {"decision": "accept"}, format="json"
            )
    with time_machine.travel(NOV_20, tick=False):
        batch = payouts.payout_draft(actor=finance, company_id=company.pk)
        payouts.payout_approve(actor=factories.staff(company, Role.FINANCE), batch_id=batch.pk)
        status, _, body = download(finance, f"/api/v1/payouts/{batch.pk}/export?format=csv")

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert status == 200 and rows[0][4] == "任务"
    assert rows[1][3] == "20" and rows[1][4] == "帆布袋 #1, #2" and rows[1][5] == "10.00"


def test_the_ledger_workbook_has_real_dates_tasks_named_with_their_project_and_a_total_row(
    finance, supervisor, company, settled
):
    with time_machine.travel(NOV_5 + datetime.timedelta(days=1), tick=False):
        beads = factories.project(supervisor, company, title="串珠手链", tasks=1)
        handed = factories.handed_in(supervisor, beads, completed_units=10)
        task_services.submission_review(actor=supervisor, submission_id=handed.pk, decision="accept")
    status, _, body = download(finance, "/api/v1/ledger/export?from=2026-11-01&to=2026-11-30&format=xlsx")
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, entries, total = rows[0], rows[1:-1], rows[-1]
    date, task, debit, credit = (header.index(name) for name in ("日期", "任务", "借方（元）", "贷方（元）"))

    assert entries and all(isinstance(row[date], datetime.datetime) for row in entries)
    assert sheet.cell(row=2, column=date + 1).number_format == "yyyy-mm-dd hh:mm"
    with_task = [row for row in entries if row[task]]
    assert {row[task] for row in with_task} == {f"串珠手链 #{handed.task.number}"}  # both legs of the credit
    assert total[0] == "合计"
    assert total[debit] == pytest.approx(sum(row[debit] or 0 for row in entries))
    assert total[credit] == pytest.approx(sum(row[credit] or 0 for row in entries))
    # The CSV is as it was: the date as text, the task's number alone.
    _, _, csv_body = download(finance, "/api/v1/ledger/export?from=2026-11-01&to=2026-11-30&format=csv")
    assert "合计" not in csv_body.decode("utf-8-sig")

"""下载结果 in real Chromium at laptop width (1366 px): a supervisor opens her project's page and downloads
its results as Excel; the workbook holds the accepted texts and not the rejected one. A project too
large to send at once is built in the background: its page shows the progress, then the download."""

import io

import openpyxl
import pytest

from tasks import services
from tasks.jobs import results_export_build
from tasks.models import Kind, ResultsExport
from tests import factories
from tests.browser.conftest import _contexts
from tests.browser.pages import sign_in

# The live server needs committed data; on SQLite the flush after the test would be a DELETE,
# which the ledger's append-only triggers refuse (PostgreSQL truncates instead).
pytestmark = [pytest.mark.django_db(transaction=True)]
ACCEPTED = ["纯棉睡衣，柔软亲肤", "=1+1 不是公式"]
REJECTED = "抄来的文案"


@pytest.fixture
def wide_laptop(chromium):
    """A supervisor's laptop, 1366 px wide, in Chinese, that keeps what it downloads."""
    yield from _contexts(chromium, viewport={"width": 1366, "height": 768}, accept_downloads=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reviewed(on_postgres, supervisor, company, mother, other_mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=4, title="睡衣文案")
    slot = factories.slot(supervisor, project)
    hand_ins = [(mother, text, "accept") for text in ACCEPTED] + [(other_mother, REJECTED, "reject")]
    for who, text, decision in hand_ins:
        held = services.task_claim_next(
            worker=who, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
        submission = services.claim_submit(worker=who, claim_id=held.pk, text=text)
        services.submission_review(
            actor=supervisor,
            submission_id=submission.pk,
            decision=decision,
            reason="" if decision == "accept" else "抄袭",
        )
    return project


def texts_in(path) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]  # the path has no suffix
    rows = list(sheet.iter_rows(values_only=True))
    return [row[rows[0].index("text")] for row in rows[1:]]


def test_a_supervisor_downloads_her_projects_results_as_excel(reviewed, supervisor, live_server, wide_laptop):
    base = live_server.url
    page = wide_laptop()
    sign_in(page, base, supervisor, f"/work/projects/{reviewed.pk}/")

    form = page.locator("#results-download form")
    assert form.locator("input[name=format][value=xlsx]").is_checked()  # Excel unless she chooses
    assert form.locator("input[name=state][value=accepted]").is_checked()
    with page.expect_download() as downloading:
        form.locator("button").click()
    download = downloading.value

    assert download.suggested_filename.startswith(f"results-{reviewed.pk}-") and download.suggested_filename.endswith(
        ".xlsx"
    )
    assert sorted(texts_in(download.path())) == sorted(ACCEPTED)  # a formula-like text stays text
    # The page is still hers: she can download another file, all decided work this time, as CSV.
    form.locator("input[name=state][value=all]").check()
    form.locator("input[name=format][value=csv]").check()
    with page.expect_download() as downloading:
        form.locator("button").click()
    body = downloading.value.path().read_text(encoding="utf-8-sig")
    assert REJECTED in body and "'=1+1" in body


def test_a_large_projects_file_is_built_with_its_progress_then_downloaded(
    reviewed, supervisor, live_server, wide_laptop, settings
):
    settings.HOMESLOT_RESULTS_EXPORT_INLINE_MAX = 1
    base = live_server.url
    page = wide_laptop()
    sign_in(page, base, supervisor, f"/work/projects/{reviewed.pk}/")

    page.locator("#results-download form button").click()
    page.wait_for_url("**/work/results-files/*/")
    assert page.locator("progress").count() == 1 and page.locator("#results-file").count() == 0
    export = ResultsExport.objects.get()
    assert (export.format, export.state) == ("xlsx", "accepted")

    results_export_build.call(str(export.pk))  # the worker's part
    page.locator("#results-file").wait_for(timeout=10_000)  # the page refreshes itself
    with page.expect_download() as downloading:
        page.locator("#results-file").click()
    assert sorted(texts_in(downloading.value.path())) == sorted(ACCEPTED)

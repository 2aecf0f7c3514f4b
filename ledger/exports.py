"""Files for the bank and the accountant: the payout file of a batch and the ledger entries of a
period, as CSV (UTF-8 with a BOM, so Excel reads the Chinese) or XLSX.

CSV streams from an *async* iterator (under ASGI a sync iterator would be read whole into memory
before the first byte): rows are read in keyset pages of ``PAGE`` postings, one thread hop per
page, so memory stays flat however many rows there are. XLSX is written by xlsxwriter in
``constant_memory`` mode into a temporary file, then streamed from it; past 1,048,575 data rows
a new sheet begins.

Every text cell that a person typed (names, memos, titles, references) is neutralised when it
starts with ``= + - @``, a tab, CR or LF: in CSV it gets a leading apostrophe, in XLSX it is
written as a string, never a formula.
"""

import csv
import datetime
import io
import tempfile
from collections.abc import AsyncIterator, Iterable

from asgiref.sync import sync_to_async
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.phones import phone_masked
from ledger.models import AccountKind, Direction, PayoutBatch, Posting
from ledger.money import yuan

PAGE = 5000
XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


def masked_card(last4: str | None) -> str:
    return f"****{last4}" if last4 else ""


def _name(worker) -> str:
    profile = getattr(worker, "worker_profile", None)
    return profile.display_name if profile else worker.display_name


# --- rows -----------------------------------------------------------------------------
# Each kind of file is a header and an iterator of pages of rows; a row is a list of
# ``(value, is_text)`` so that CSV and XLSX treat typed text alike.


def ledger_header() -> list[str]:
    return [
        _("date"),
        _("kind"),
        _("mother"),
        _("phone"),
        _("bank card"),
        _("project"),
        _("task"),
        _("units"),
        _("debit (yuan)"),
        _("credit (yuan)"),
        _("account"),
        _("memo"),
        _("transaction"),
    ]


def ledger_pages(*, company_ids: list[int], since: datetime.datetime, before: datetime.datetime) -> Iterable[list]:
    """Postings of the companies in [since, before), oldest first, page by page (keyset on id)."""
    after = 0
    while True:
        page = list(
            Posting.objects.filter(
                account__company_id__in=company_ids, created_at__gte=since, created_at__lt=before, id__gt=after
            )
            .select_related(
                "transaction__project", "transaction__task", "account__worker__worker_profile", "transaction"
            )
            .order_by("id")[:PAGE]
        )
        if not page:
            return
        after = page[-1].id
        yield [_ledger_row(p) for p in page]


def _ledger_row(posting: Posting) -> list:
    txn, account = posting.transaction, posting.account
    worker = account.worker
    amount = yuan(posting.amount_fen)
    return [
        (timezone.localtime(posting.created_at).strftime("%Y-%m-%d %H:%M"), False),
        (txn.get_kind_display(), False),
        (_name(worker) if worker else "", True),
        (phone_masked(worker.phone) if worker else "", False),
        (
            masked_card(worker.worker_profile.bank_card_last4) if worker and hasattr(worker, "worker_profile") else "",
            False,
        ),
        (txn.project.title if txn.project else "", True),
        (txn.task.number if txn.task else "", False),
        (txn.units if txn.units is not None else "", False),
        (amount if posting.direction == Direction.DEBIT else "", False),
        (amount if posting.direction == Direction.CREDIT else "", False),
        (AccountKind(account.kind).label, False),
        (txn.memo, True),
        (txn.key, False),
    ]


def payout_header() -> list[str]:
    return [
        _("mother"),
        _("phone"),
        _("bank card"),
        _("units"),
        _("amount (yuan)"),
        _("period"),
        _("batch"),
        _("reference"),
    ]


def payout_pages(batch: PayoutBatch) -> Iterable[list]:
    period = f"{batch.period_start:%Y-%m-%d}–{batch.period_end:%Y-%m-%d}"
    after = 0
    while True:
        page = list(
            batch.lines.filter(worker_id__gt=after)
            .select_related("worker__worker_profile")
            .order_by("worker_id")[:PAGE]
        )
        if not page:
            return
        after = page[-1].worker_id
        yield [
            [
                (_name(line.worker), True),
                (phone_masked(line.worker.phone), False),
                (masked_card(getattr(getattr(line.worker, "worker_profile", None), "bank_card_last4", "")), False),
                (line.units, False),
                (yuan(line.amount_fen), False),
                (period, False),
                (batch.pk, False),
                (batch.bank_reference, True),
            ]
            for line in page
        ]


# --- CSV --------------------------------------------------------------------------------


def _csv_text(rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(value) if is_text else ("" if value is None else value) for value, is_text in row])
    return buffer.getvalue()


async def csv_stream(header: list[str], pages: Iterable[list]) -> AsyncIterator[bytes]:
    """The file as bytes, one page at a time, reading the next page off the event loop."""
    yield (BOM + _csv_text([[(h, True) for h in header]])).encode()
    iterator = iter(pages)
    while True:
        # Thread-sensitive, like Django's own sync views under ASGI: the reads share the
        # request's database connection, which Django closes when the response ends.
        page = await sync_to_async(next, thread_sensitive=True)(iterator, None)
        if page is None:
            return
        yield _csv_text(page).encode()


# --- XLSX -------------------------------------------------------------------------------


def xlsx_file(header: list[str], pages: Iterable[list], *, sheet: str):
    """Write the workbook into a temporary file (constant memory) and return it rewound."""
    import xlsxwriter

    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed by file_stream
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    worksheet, row_number, sheets = None, XLSX_MAX_DATA_ROWS + 1, 0
    for page in pages:
        for row in page:
            if row_number > XLSX_MAX_DATA_ROWS:
                sheets += 1
                worksheet = book.add_worksheet(sheet if sheets == 1 else f"{sheet} ({sheets})")
                for col, title in enumerate(header):
                    worksheet.write_string(0, col, title, bold)
                row_number = 1
            for col, (value, is_text) in enumerate(row):
                if is_text or isinstance(value, str):
                    worksheet.write_string(row_number, col, "" if value is None else str(value))
                elif value is None or value == "":
                    continue
                elif hasattr(value, "as_tuple"):  # Decimal yuan
                    worksheet.write_number(row_number, col, float(value), money)
                else:
                    worksheet.write_number(row_number, col, value)
            row_number += 1
    if worksheet is None:
        worksheet = book.add_worksheet(sheet)
        for col, title in enumerate(header):
            worksheet.write_string(0, col, title, bold)
    book.close()
    out.seek(0)
    return out


async def file_stream(handle, chunk: int = 1 << 16) -> AsyncIterator[bytes]:
    try:
        while True:
            data = await sync_to_async(handle.read, thread_sensitive=False)(chunk)
            if not data:
                return
            yield data
    finally:
        handle.close()

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
from django.utils.translation import gettext_lazy

from accounts.phones import phone_masked
from accounts.selectors import display_name_of, display_names
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


LEDGER_FIELDS = (
    "id",
    "created_at",
    "direction",
    "amount_fen",
    "transaction__kind",
    "transaction__memo",
    "transaction__key",
    "transaction__units",
    "transaction__project__title",
    "transaction__task__number",
    "account__kind",
    "account__worker__phone",
    "account__worker__display_name",
    "account__worker__worker_profile__display_name",
    "account__worker__worker_profile__bank_card_last4",
)


def ledger_pages(*, company_ids: list[int], since: datetime.datetime, before: datetime.datetime) -> Iterable[list]:
    """Postings of the companies in [since, before), oldest first, page by page (keyset on id).
    Bare tuples, labels looked up once, times converted by offset: ~10× an ORM row loop."""
    from ledger.models import TransactionKind

    kinds = {value: str(label) for value, label in TransactionKind.choices}
    accounts = {value: str(label) for value, label in AccountKind.choices}
    local = timezone.get_current_timezone()
    after = 0
    while True:
        page = list(
            Posting.objects.filter(
                account__company_id__in=company_ids, created_at__gte=since, created_at__lt=before, id__gt=after
            )
            .order_by("id")
            .values_list(*LEDGER_FIELDS)[:PAGE]
        )
        if not page:
            return
        after = page[-1][0]
        yield [_ledger_row(row, kinds, accounts, local) for row in page]


def _ledger_row(row: tuple, kinds: dict, accounts: dict, local) -> list:
    (_id, at, direction, fen, kind, memo, key, units, title, number, account_kind, phone, user_name, name, card) = row
    amount = yuan(fen)
    return [
        (at.astimezone(local).strftime("%Y-%m-%d %H:%M"), False),
        (kinds.get(kind, kind), False),
        (name or user_name or "", True),
        (phone_masked(phone) if phone else "", False),
        (masked_card(card), False),
        (title or "", True),
        ("" if number is None else number, False),
        ("" if units is None else units, False),
        (amount if direction == Direction.DEBIT else "", False),
        (amount if direction == Direction.CREDIT else "", False),
        (accounts.get(account_kind, account_kind), False),
        (memo, True),
        (key, False),
    ]


# --- the ledger on PostgreSQL: COPY does the formatting -------------------------------
# A Python row loop formats a few thousand (ORM) to ~100k (bare tuples) rows a second;
# PostgreSQL's COPY formats ~500k. So on PostgreSQL the export is one ``COPY (SELECT …) TO
# STDOUT`` whose SELECT produces exactly the cells of ``_ledger_row`` (neutralising and masking
# included), and the bytes go to the client as they come. SQLite, the embedded default, uses
# the row loop above.

_DANGEROUS_SQL = "'=', '+', '-', '@', chr(9), chr(13), chr(10)"


def _inert(expression: str) -> str:
    """SQL for ``neutralise(expression)``."""
    return f"(CASE WHEN left({expression}, 1) IN ({_DANGEROUS_SQL}) THEN chr(39) || {expression} ELSE {expression} END)"


def _label_case(column: str, choices) -> tuple[str, list]:
    whens = " ".join("WHEN %s THEN %s" for _choice in choices)
    params = [part for value, label in choices for part in (value, str(label))]
    return f"(CASE {column} {whens} ELSE {column} END)", params


def ledger_copy_query(*, company_ids: list[int], since: datetime.datetime, before: datetime.datetime):
    """The ledger file's rows as one SELECT (text cells, in ``ledger_header`` order) and its params."""
    from django.conf import settings

    from ledger.models import TransactionKind

    kind_sql, kind_params = _label_case("t.kind", TransactionKind.choices)
    account_sql, account_params = _label_case("a.kind", AccountKind.choices)
    name = "coalesce(wp.display_name, u.display_name, '')"
    national = "(CASE WHEN u.phone LIKE '+86%%' THEN substr(u.phone, 4) ELSE u.phone END)"
    yuan_sql = "to_char(p.amount_fen / 100.0, 'FM999999999990.00')"
    cells = [
        "to_char(p.created_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')",
        kind_sql,
        _inert(name),
        f"(CASE WHEN u.id IS NULL THEN '' WHEN length({national}) = 11"
        f" THEN left({national}, 3) || '****' || right({national}, 4) ELSE {national} END)",
        "(CASE WHEN coalesce(wp.bank_card_last4, '') <> '' THEN '****' || wp.bank_card_last4 ELSE '' END)",
        _inert("coalesce(pr.title, '')"),
        "tk.number::text",
        "t.units::text",
        f"(CASE WHEN p.direction = 'D' THEN {yuan_sql} END)",
        f"(CASE WHEN p.direction = 'C' THEN {yuan_sql} END)",
        account_sql,
        _inert("t.memo"),
        "t.key",
    ]
    # An empty cell is NULL: COPY writes it bare, as csv.writer writes "" (an empty string it would quote).
    select = f"""
        SELECT {", ".join(f"NULLIF({cell}, '')" for cell in cells)}
          FROM ledger_posting p
          JOIN ledger_transaction t ON t.id = p.transaction_id
          JOIN ledger_account a ON a.id = p.account_id
          LEFT JOIN accounts_user u ON u.id = a.worker_id
          LEFT JOIN workers_workerprofile wp ON wp.user_id = u.id
          LEFT JOIN tasks_project pr ON pr.id = t.project_id
          LEFT JOIN tasks_task tk ON tk.id = t.task_id
         WHERE a.company_id = ANY(%s) AND p.created_at >= %s AND p.created_at < %s
         ORDER BY p.id"""
    params = [settings.TIME_ZONE, *kind_params, *account_params, list(company_ids), since, before]
    return select, params


def ledger_copy_statement(raw_connection, **window) -> str:
    """``COPY (the ledger query) TO STDOUT (FORMAT csv)`` with its values bound, for ``raw_connection``."""
    from psycopg import ClientCursor

    select, params = ledger_copy_query(**window)
    return ClientCursor(raw_connection).mogrify(f"COPY ({select}) TO STDOUT (FORMAT csv)", params)


def ledger_copy_blocks(**window):
    """The ledger file's data rows as CSV bytes in blocks of ~128 KB, straight from COPY."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        block = bytearray()
        with raw.copy(ledger_copy_statement(raw.connection, **window)) as copy:
            for data in copy:
                block += data
                if len(block) >= 1 << 17:
                    yield bytes(block)
                    block.clear()
        if block:
            yield bytes(block)


async def blocks_stream(header: list[str], blocks: Iterable[bytes]) -> AsyncIterator[bytes]:
    """A BOM and the header, then byte blocks read one thread hop at a time (on the request's
    thread and database connection, as Django runs sync views under ASGI)."""
    yield (BOM + _csv_text([[(h, True) for h in header]])).encode()
    iterator = iter(blocks)
    while True:
        block = await sync_to_async(next, thread_sensitive=True)(iterator, None)
        if block is None:
            return
        yield block


def reconciliation_header() -> list[str]:
    return [_("mother"), _("phone"), _("opening"), _("credits"), _("debits"), _("closing"), _("difference")]


def reconciliation_rows(report: dict) -> list:
    """One row per mother of ``ledger.selectors.reconciliation``, then the totals (yuan)."""
    from accounts.models import User

    people = {u.pk: u for u in User.objects.filter(pk__in=[m["worker"] for m in report["mothers"]])}
    names = display_names(people)
    money = ("opening_fen", "credits_fen", "debits_fen", "closing_fen", "difference_fen")
    rows = []
    for line in report["mothers"]:
        person = people.get(line["worker"])
        rows.append(
            [
                (names.get(line["worker"], line["worker"]), True),
                (phone_masked(person.phone) if person else "", False),
                *((yuan(line[k]), False) for k in money),
            ]
        )
    rows.append([(_("total"), True), ("", False), *((yuan(report["totals"][k]), False) for k in money)])
    if report["problem_count"]:
        # Damage the sums cannot show: said in the file too, so a spreadsheet never reads "balanced".
        rows.append([(_("The ledger is damaged: %(n)s problems.") % {"n": report["problem_count"]}, True)])
        rows += [[(str(PROBLEM_KINDS[p["kind"]]), True), (str(p["id"]), True)] for p in report["problems"]]
    return rows


PROBLEM_KINDS = {
    "transaction_without_postings": gettext_lazy("a transaction without postings"),
    "posting_without_transaction": gettext_lazy("a posting without its transaction"),
    "credit_missing_for_review": gettext_lazy("accepted work without its credit (review)"),
}


def payout_header() -> list[str]:
    return [
        _("mother"),
        _("phone"),
        _("bank card"),
        _("units"),
        _("tasks"),
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
        tasks = _tasks_in_period(batch, [line.worker_id for line in page])
        yield [
            [
                (display_name_of(line.worker), True),
                (phone_masked(line.worker.phone), False),
                (masked_card(getattr(getattr(line.worker, "worker_profile", None), "bank_card_last4", "")), False),
                (line.units, False),
                (tasks.get(line.worker_id, ""), True),
                (yuan(line.amount_fen), False),
                (period, False),
                (batch.pk, False),
                (batch.bank_reference, True),
            ]
            for line in page
        ]


def _tasks_in_period(batch: PayoutBatch, worker_ids: list[int]) -> dict[int, str]:
    """For each mother, the tasks credited to her in the batch's period: ``项目 #12, #13; …``."""
    from ledger.models import Transaction, TransactionKind
    from ledger.payouts import day_start

    credits = (
        Transaction.objects.filter(
            company_id=batch.company_id,
            worker_id__in=worker_ids,
            kind=TransactionKind.EARNING,
            created_at__gte=day_start(batch.period_start),
            created_at__lt=day_start(batch.period_end + datetime.timedelta(days=1)),
            task__isnull=False,
        )
        .order_by("worker_id", "project_id", "task__number")
        .values_list("worker_id", "project__title", "task__number")
    )
    grouped: dict[int, dict[str, list[str]]] = {}
    for worker_id, title, number in credits:
        grouped.setdefault(worker_id, {}).setdefault(title, []).append(f"#{number}")
    return {
        worker_id: "; ".join(f"{title} {', '.join(numbers)}" for title, numbers in projects.items())
        for worker_id, projects in grouped.items()
    }


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
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed by file_stream
    xlsx_write(out, header, pages, sheet=sheet)
    out.seek(0)
    return out


def xlsx_write(target, header: list[str], pages: Iterable[list], *, sheet: str) -> int:
    """Write the workbook to ``target`` (a path or a binary file) in constant memory; return the rows."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    worksheet, row_number, sheets, rows = None, XLSX_MAX_DATA_ROWS + 1, 0, 0
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
            rows += 1
    if worksheet is None:
        worksheet = book.add_worksheet(sheet)
        for col, title in enumerate(header):
            worksheet.write_string(0, col, title, bold)
    book.close()
    return rows


async def file_stream(handle, chunk: int = 1 << 16) -> AsyncIterator[bytes]:
    try:
        while True:
            data = await sync_to_async(handle.read, thread_sensitive=False)(chunk)
            if not data:
                return
            yield data
    finally:
        handle.close()

"""What goes in the files for the bank and the accountant: the payout file of a batch, the ledger
entries of a period and the reconciliation, each a header and pages of rows (``core.files``
writes them as CSV or XLSX and streams them).

Rows are read in keyset pages of ``PAGE`` postings, so memory stays flat however many rows
there are; on PostgreSQL the ledger file's rows come formatted straight from ``COPY``.
"""

import datetime
import decimal
from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg import ClientCursor

from accounts.models import User
from accounts.phones import phone_masked
from accounts.selectors import display_name_of, display_names
from ledger.models import AccountKind, Direction, PayoutBatch, Posting, Transaction, TransactionKind
from ledger.money import yuan
from ledger.periods import day_start

PAGE = 5000


# --- rows -----------------------------------------------------------------------------
# Each kind of file is a header and an iterator of pages of rows; a row is a list of
# ``(value, is_text)`` so that CSV and XLSX treat typed text alike.


def ledger_header() -> list[str]:
    return [
        _("date"),
        _("kind"),
        _("mother"),
        _("phone"),
        _("payout account"),
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
    "account__worker__payout_account__number_masked",
)


def ledger_pages(*, company_ids: list[int], since: datetime.datetime, before: datetime.datetime) -> Iterable[list]:
    """Postings of the companies in [since, before), oldest first, page by page (keyset on id).
    Bare tuples, labels looked up once, times converted by offset: ~10× an ORM row loop."""

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


def ledger_sheet_pages(pages: Iterable[list]) -> Iterable[list]:
    """The ledger's rows as a spreadsheet wants them (XLSX; the CSV keeps ``ledger_pages`` as they are,
    byte for byte the ``COPY`` one): the date a real date, the task named with its project ("串珠手链
    #12", so a filter on the column means one task), and a last row with the totals."""
    debit = credit = decimal.Decimal("0.00")
    for page in pages:
        sheet_page = []
        for row in page:
            cells = list(row)
            cells[0] = (datetime.datetime.strptime(cells[0][0], "%Y-%m-%d %H:%M"), False)
            if cells[6][0] != "":
                cells[6] = (f"{cells[5][0]} #{cells[6][0]}", True)
            debit += cells[8][0] or 0
            credit += cells[9][0] or 0
            sheet_page.append(cells)
        yield sheet_page
    total = [("", False)] * len(ledger_header())
    total[0], total[8], total[9] = (_("total"), True), (debit, False), (credit, False)
    yield [total]


def _ledger_row(row: tuple, kinds: dict, accounts: dict, local) -> list:
    (_id, at, direction, fen, kind, memo, key, units, title, number, account_kind, phone, user_name, name, masked) = row
    amount = yuan(fen)
    return [
        (at.astimezone(local).strftime("%Y-%m-%d %H:%M"), False),
        (kinds.get(kind, kind), False),
        (name or user_name or "", True),
        (phone_masked(phone) if phone else "", False),
        (masked or "", False),
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
        "coalesce(pa.number_masked, '')",
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
          LEFT JOIN workers_payoutaccount pa ON pa.worker_id = u.id
          LEFT JOIN tasks_project pr ON pr.id = t.project_id
          LEFT JOIN tasks_task tk ON tk.id = t.task_id
         WHERE a.company_id = ANY(%s) AND p.created_at >= %s AND p.created_at < %s
         ORDER BY p.id"""
    params = [settings.TIME_ZONE, *kind_params, *account_params, list(company_ids), since, before]
    return select, params


def ledger_copy_statement(raw_connection, **window) -> str:
    """``COPY (the ledger query) TO STDOUT (FORMAT csv)`` with its values bound, for ``raw_connection``."""

    select, params = ledger_copy_query(**window)
    return ClientCursor(raw_connection).mogrify(f"COPY ({select}) TO STDOUT (FORMAT csv)", params)


def ledger_copy_blocks(**window):
    """The ledger file's data rows as CSV bytes in blocks of ~128 KB, straight from COPY."""

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


def reconciliation_header() -> list[str]:
    return [_("mother"), _("phone"), _("opening"), _("credits"), _("debits"), _("closing"), _("difference")]


def reconciliation_rows(report: dict) -> list:
    """One row per mother of ``ledger.selectors.reconciliation``, then the totals (yuan)."""

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
        _("payout account"),
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
            .select_related("worker__worker_profile", "worker__payout_account")
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
                (_masked_account(line.worker), False),
                (line.units, False),
                (tasks.get(line.worker_id, ""), True),
                (yuan(line.amount_fen), False),
                (period, False),
                (batch.pk, False),
                (batch.bank_reference, True),
            ]
            for line in page
        ]


def _masked_account(worker) -> str:
    account = getattr(worker, "payout_account", None)  # a missing one-to-one row raises AttributeError
    return account.number_masked if account else ""


def _tasks_in_period(batch: PayoutBatch, worker_ids: list[int]) -> dict[int, str]:
    """For each mother, the tasks credited to her in the batch's period: ``项目 #12, #13; …``."""
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

"""Files people open in Excel (the ledger's for the bank and the accountant, a project's results for
its company): rows as CSV (UTF-8 with a BOM, so Excel reads the Chinese) or XLSX, and the streams that
send them. A row is a list of ``(value, is_text)`` so that CSV and XLSX treat typed text alike.

CSV streams from an *async* iterator (under ASGI a sync iterator would be read whole into memory
before the first byte), one thread hop per page. XLSX is written by xlsxwriter in
``constant_memory`` mode into a temporary file, then streamed from it; past 1,048,575 data rows
a new sheet begins.

Every text cell that a person typed (names, memos, titles, references) is neutralised when it
starts with ``= + - @``, a tab, CR or LF: in CSV it gets a leading apostrophe, in XLSX it is
written as a string, never a formula.
"""

import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterable

import xlsxwriter
from asgiref.sync import sync_to_async

XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


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


# --- CSV --------------------------------------------------------------------------------


def _csv_cell(value, is_text: bool):
    if is_text:
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):  # as Excel writes and reads a yes/no cell
        return "TRUE" if value else "FALSE"
    return value


def _csv_text(rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(value, is_text) for value, is_text in row])
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
                elif isinstance(value, bool):
                    worksheet.write_boolean(row_number, col, value)
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

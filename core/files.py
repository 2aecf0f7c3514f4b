"""Files people open in Excel (the ledger's for the bank and the accountant, a project's results for
its company): rows as CSV (UTF-8 with a BOM, so Excel reads the Chinese) or XLSX, and the streams that
send them; and JSON lines for scripts. A row is a list of ``(value, is_text)`` so that CSV and XLSX
treat typed text alike.

CSV streams from an *async* iterator (under ASGI a sync iterator would be read whole into memory
before the first byte), one thread hop per page. XLSX is written by xlsxwriter in
``constant_memory`` mode into a temporary file, then streamed from it; past 1,048,575 data rows
a new sheet begins.

Every text cell that a person typed (names, memos, titles, references) is neutralised when it
starts with ``= + - @``, a tab, CR or LF: in CSV it gets a leading apostrophe, in XLSX it is
written as a string, never a formula.
"""

import csv
import datetime
import io
import json
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
    async for block in _hopping(blocks):
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


def _csv_parts(header: list[str], pages: Iterable[list]) -> Iterable[bytes]:
    yield (BOM + _csv_text([[(h, True) for h in header]])).encode()
    for page in pages:
        yield _csv_text(page).encode()


async def csv_stream(header: list[str], pages: Iterable[list]) -> AsyncIterator[bytes]:
    """The file as bytes, one page at a time, reading the next page off the event loop."""
    async for part in _hopping(_csv_parts(header, pages)):
        yield part


def csv_write(target: str, header: list[str], pages: Iterable[list]) -> int:
    """Write the CSV file to the path ``target``, page by page; return the data rows."""
    counter = [0]
    return _write_parts(target, _csv_parts(header, _rows_counted(pages, counter)), counter)


async def _hopping(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    iterator = iter(parts)
    while True:
        # Thread-sensitive, like Django's own sync views under ASGI: the reads share the
        # request's database connection, which Django closes when the response ends.
        part = await sync_to_async(next, thread_sensitive=True)(iterator, None)
        if part is None:
            return
        yield part


def _rows_counted(pages: Iterable[list], counter: list[int]) -> Iterable[list]:
    for page in pages:
        counter[0] += len(page)
        yield page


def _write_parts(target: str, parts: Iterable[bytes], counter: list[int]) -> int:
    with open(target, "wb") as out:
        for part in parts:
            out.write(part)
    return counter[0]


# --- JSONL: one JSON object a line, for scripts (no BOM, nothing neutralised: no spreadsheet reads it) ---


def _jsonl_parts(pages: Iterable[list[dict]]) -> Iterable[bytes]:
    for page in pages:
        yield "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in page).encode()


async def jsonl_stream(pages: Iterable[list[dict]]) -> AsyncIterator[bytes]:
    """Pages of JSON-ready dicts as JSON lines, one page at a time, reading the next page off the loop."""
    async for part in _hopping(_jsonl_parts(pages)):
        yield part


def jsonl_write(target: str, pages: Iterable[list[dict]]) -> int:
    """Write the JSON lines to the path ``target``, page by page; return the rows."""
    counter = [0]
    return _write_parts(target, _jsonl_parts(_rows_counted(pages, counter)), counter)


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
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})  # a real Excel date: it sorts and filters
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
                elif isinstance(value, datetime.datetime):  # naive, in local time
                    worksheet.write_datetime(row_number, col, value, moment)
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

"""A project's results as a file for its company: ``tasks.results`` rows (``source`` paged, ``rows_for``
each page) written as CSV, XLSX (``core.files``: a BOM, neutralised text, a streamed workbook) or JSON
lines. Built from ``results.COLUMNS`` and whatever keys the rows carry, so a key added to a kind's rows
is a column of its file without a change here.

- JSONL: each row as the API gives it (``record`` a nested object).
- CSV and XLSX: a column per key of ``COLUMNS[kind]`` in order; a dict or list value (a history, the
  defects) is compact JSON text in its cell. Labelling's ``record`` (the uploaded row's own fields) is
  spread into a column per field, so a company finds its own columns in Excel: the union of the
  fields of the items exported, by name, found by one SQL pass over their keys (never their values)
  before the first row. A field named like one of the row's own columns is headed ``record.<name>``.

Memory stays flat: ``PAGE`` items at a time, read through one cursor (``QuerySet.iterator``)."""

import datetime
import json
import re
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core import file_responses, files
from tasks import results
from tasks.models import Project

FORMATS = ("csv", "jsonl", "xlsx")
PAGE = 2000
RECORD = "record"
# Above 15 digits a number loses digits in Excel (a double): such an id is written as text.
_EXACT_IN_EXCEL = 10**15


def pages(project: Project, *, state: str) -> Iterator[list[dict]]:
    """The result rows of the project, ``PAGE`` at a time."""
    items = results.source(project, state=state).iterator(chunk_size=PAGE)
    while page := list(islice(items, PAGE)):
        yield results.rows_for(project, page)


# The most fields of the uploaded records spread into columns of their own; more: ``record`` as JSON.
MAX_RECORD_FIELDS = 200
WHOLE_RECORD = object()


def row_count(project: Project, *, state: str) -> int:
    return results.source(project, state=state).count()


def record_fields(project: Project, *, state: str) -> list[str]:
    """The fields of the ``record`` of the rows exported, by name. One pass over the items' keys in SQL;
    the values are not read. By name, not as uploaded: PostgreSQL keeps a record (jsonb) in an order of
    its own (shorter names first), so the upload's order is not there to give back."""
    if RECORD not in results.COLUMNS[project.kind]:
        return []
    items = results.source(project, state=state)
    subquery, params = items.order_by().values("pk").query.sql_with_params()
    table = items.model._meta.db_table
    if connection.vendor == "postgresql":
        keys = (
            f"SELECT DISTINCT jsonb_object_keys(item.payload) FROM {table} AS item"
            f" WHERE jsonb_typeof(item.payload) = 'object' AND item.id IN ({subquery})"
        )
    else:
        keys = (
            f"SELECT DISTINCT field.key FROM {table} AS item, json_each(item.payload) AS field"
            f" WHERE json_type(item.payload) = 'object' AND item.id IN ({subquery})"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"{keys} LIMIT {MAX_RECORD_FIELDS + 1}", params)
        found = sorted(key for (key,) in cursor.fetchall())
    # Uploads whose rows carry many different fields stay one JSON column: a file of a column per field
    # would grow with fields × rows (and XLSX holds 16,384 columns at most).
    return found if len(found) <= MAX_RECORD_FIELDS else [WHOLE_RECORD]


def header(project: Project, fields: list[str]) -> list[str]:
    """The file's columns: the kind's keys, ``record`` spread into ``fields``."""
    own = results.COLUMNS[project.kind]
    if fields == [WHOLE_RECORD]:
        return list(own)
    spread = [f"{RECORD}.{field}" if field in own else field for field in fields]
    return [title for key in own for title in (spread if key == RECORD else [key])]


def table_pages(project: Project, pages: Iterable[list[dict]], fields: list[str]) -> Iterator[list[list]]:
    """Rows as ``(value, is_text)`` cells in ``header`` order, for ``core.files``."""
    own = results.COLUMNS[project.kind]
    for page in pages:
        yield [_cells(row, own, fields) for row in page]


def _cells(row: dict, own: tuple, fields: list[str]) -> list:
    cells = []
    for key in own:
        if key == RECORD:
            record = row.get(RECORD)
            if fields == [WHOLE_RECORD]:
                cells.append(cell(record))
                continue
            record = record if isinstance(record, dict) else {}
            cells += [cell(record.get(field)) for field in fields]
        else:
            cells.append(cell(row.get(key)))
    return cells


def cell(value) -> tuple:
    """One value as a ``(value, is_text)`` cell: text neutralised, a number a number, a yes/no a boolean,
    a dict or list compact JSON text, nothing an empty cell."""
    if type(value) is str:  # most cells: first
        return value, True
    if value is None:
        return None, False
    if isinstance(value, bool):
        return value, False
    if isinstance(value, int | float) and abs(value) < _EXACT_IN_EXCEL:
        return value, False
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")), True
    return str(value), True


def file_stem(project: Project, *, state: str, on: datetime.date | None = None) -> str:
    """``results-<id>-<title>-<accepted|all>-<YYYYMMDD>``: a file a company can tell from another."""
    title = re.sub(r"[^\w-]+", "_", project.title).strip("_")[:40] or "project"
    return f"results-{project.pk}-{title}-{state}-{on or timezone.localdate():%Y%m%d}"


def download_path(export) -> str:
    """Where a file built in the background (a ``ResultsExport``) is downloaded."""
    return f"/api/v1/projects/{export.project_id}/results/exports/{export.pk}/download"


# --- the file, streamed or written ----------------------------------------------------------------


def sheet_name() -> str:
    return _("results")


def response(project: Project, *, state: str, kind: str):
    """The file as a streamed answer (an XLSX is built into a temporary file first)."""
    stem = file_stem(project, state=state)
    rows = pages(project, state=state)
    if kind == "jsonl":
        return file_responses.attachment(files.jsonl_stream(rows), kind=kind, filename=f"{stem}.jsonl")
    fields = record_fields(project, state=state)
    return file_responses.file_response(
        kind=kind,
        header=header(project, fields),
        pages=table_pages(project, rows, fields),
        name=stem,
        sheet=sheet_name(),
    )


def write(project: Project, *, state: str, kind: str, target: str, counted=lambda rows: rows) -> int:
    """Write the file to the path ``target``, its pages through ``counted`` (progress); return the rows."""
    rows = counted(pages(project, state=state))
    if kind == "jsonl":
        return files.jsonl_write(target, rows)
    fields = record_fields(project, state=state)
    cells = table_pages(project, rows, fields)
    if kind == "csv":
        return files.csv_write(target, header(project, fields), cells)
    return files.xlsx_write(target, header(project, fields), cells, sheet=sheet_name())

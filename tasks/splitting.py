"""Turning an order into tasks: parse and chunk, before anything is written.

Everything here is pure: it returns task specs or raises ``InvalidFile``/``Invalid``
naming what is wrong (for a file, the line), so a bad request creates nothing.
"""

import csv
import io
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from core.errors import TooLarge
from core.json_input import InvalidJSON, json_loads
from tasks.errors import InvalidFile, InvalidSplit, TooManyTasks

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_BRIEF_CHARS = 5000
MAX_ITEM_CHARS = 5000
# Far above any real order, far below what the database's integer columns hold.
MAX_COUNT = 10_000_000
MAX_OVERLAP = 5  # labels per item (Project.overlap's range)
MAX_GOLD_RATE = 50  # % of a task's items that are gold (Project.gold_rate's range)


@dataclass
class TaskSpec:
    units: int
    brief: str = ""
    # labelling: {"line", "text", "payload", "expected", "key"}; ``key`` names the source item (the same
    # key in several tasks: copies of one item, the first of them its first copy)
    items: list[dict] = field(default_factory=list)
    group: int | None = None  # labelling: the chunk of source items (its copies share it), from 0
    terms: dict = field(default_factory=dict)  # copywriting: {min_chars, max_chars, keywords} (tasks.writing)


def split_assembly(*, total_units, units_per_task, max_tasks: int) -> list[TaskSpec]:
    total = _positive_int(total_units, "total_units")
    per = _positive_int(units_per_task, "units_per_task")
    if per > total:
        raise InvalidSplit(_("Pieces per batch cannot be more than the total."))
    count = -(-total // per)
    _check_count(count, max_tasks)
    specs = [TaskSpec(units=per) for _ in range(total // per)]
    if total % per:
        specs.append(TaskSpec(units=total % per))
    return specs


def split_copywriting(*, briefs, max_tasks: int, terms: dict | None = None) -> list[TaskSpec]:
    """One task per brief; ``terms``: the length and keywords every brief of this split asks for."""
    if not isinstance(briefs, list) or not briefs:
        raise InvalidSplit(_("Please give at least one brief."), details={"field": "briefs"})
    specs = []
    for index, brief in enumerate(briefs, start=1):
        if not isinstance(brief, str) or not brief.strip():
            raise InvalidSplit(_("Brief %(n)s is empty.") % {"n": index}, details={"brief": index})
        if _has_nul(brief):
            raise InvalidSplit(
                _("Brief %(n)s has a NUL character, which cannot be stored.") % {"n": index},
                details={"brief": index},
            )
        if len(brief) > MAX_BRIEF_CHARS:
            raise InvalidSplit(
                _("Brief %(n)s is longer than %(max)s characters.") % {"n": index, "max": MAX_BRIEF_CHARS},
                details={"brief": index},
            )
        specs.append(TaskSpec(units=1, brief=brief.strip(), terms=dict(terms or {})))
    _check_count(len(specs), max_tasks)
    return specs


def split_labelling(
    *,
    raw: bytes,
    filename: str,
    items_per_task,
    text_field: str,
    max_tasks: int,
    gold_field: str | None = None,
    label_set: list[str] | None = None,
    gold_rate=None,
    overlap=None,
) -> list[TaskSpec]:
    """``gold_field``: a column whose value, where given, is the item's known answer (a gold item);
    it must be one of ``label_set``. The column is kept out of the item's record (never shown).

    The gold rows are taken out of the ordinary items and mixed into every task at ``gold_rate`` %
    of its ``items_per_task`` (at least one, at least one ordinary item left), drawn round-robin
    from them, at a position that looks random but is the same for the same file. A file of gold
    rows only (a training) is split as it is, every item gold. ``overlap``: each chunk of items
    becomes that many tasks (copies, one ``group``), each to be labelled by another mother."""
    per = _positive_int(items_per_task, "items_per_task")
    copies = _bounded(overlap, "overlap", low=1, high=MAX_OVERLAP, default=1)
    rate = _bounded(gold_rate, "gold_rate", low=0, high=MAX_GOLD_RATE, default=0)
    if rate and not gold_field:
        raise InvalidSplit(
            _("Gold items need the column of their known answers (gold_field)."), details={"field": "gold_field"}
        )
    if len(raw) > MAX_FILE_BYTES:
        raise TooLarge(_("The file is larger than 10 MB. Please split it into smaller files."))
    text = _decode(raw)
    name = (filename or "").lower()
    is_jsonl = name.endswith((".jsonl", ".ndjson", ".json")) or (not name.endswith(".csv") and text.lstrip()[:1] == "{")
    items = _parse_jsonl(text, text_field) if is_jsonl else _parse_csv(text, text_field)
    if not items:
        raise InvalidFile(_("The file has no items."), details={"line": None})
    for item in items:
        item["key"] = ("item", item["line"])
    gold: list[dict] = []
    if gold_field:
        _gold(items, gold_field, label_set or [], csv_header=None if is_jsonl else _csv_header(text))
        gold = [item for item in items if item["expected"]]
        if not gold:
            raise InvalidSplit(
                _("No row of the file has a known answer in the column “%(field)s”.") % {"field": gold_field},
                details={"field": "gold_field"},
            )
        if len(gold) < len(items):  # a file of gold rows only is a training: split as it is
            items = [item for item in items if not item["expected"]]
        else:
            gold = []
    if gold and not rate:
        raise InvalidSplit(
            _("Please say how many of each task's items are gold items (1 to %(max)s %%).") % {"max": MAX_GOLD_RATE},
            details={"field": "gold_rate"},
        )
    per_gold = _gold_per_task(per, rate) if gold else 0
    if gold and per_gold == 0:
        raise InvalidSplit(
            _("A task of one item has no room for a gold item; please give each task more items."),
            details={"field": "items_per_task"},
        )
    per_gold = min(per_gold, len(gold))
    ordinary = per - per_gold
    chunks = [items[i : i + ordinary] for i in range(0, len(items), ordinary)]
    _check_count(len(chunks) * copies, max_tasks)
    specs = []
    for index, chunk in enumerate(chunks):
        chunk = list(chunk)
        if per_gold:
            drawn = [gold[(index * per_gold + j) % len(gold)] for j in range(per_gold)]
            order = random.Random(f"homeslot.gold:{index}:{chunk[0]['line']}")  # a stable shuffle, not a secret
            for item in drawn:
                chunk.insert(order.randint(0, len(chunk)), item)
        for _copy in range(copies):
            specs.append(TaskSpec(units=len(chunk), items=chunk, group=index))
    return specs


def _gold_per_task(per: int, rate: int) -> int:
    """Gold items in a task of ``per`` items at ``rate`` %: rounded half up, at least one, and at
    least one ordinary item left (0: no room)."""
    if not rate:
        return 0
    count = int((Decimal(per) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(max(count, 1), per - 1)


def _bounded(value, name: str, *, low: int, high: int, default: int) -> int:
    if value is None or value == "":
        return default
    number = None if isinstance(value, bool) else value
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = None
    if number is None or str(number) != str(value).strip() or not low <= number <= high:
        raise InvalidSplit(
            _("%(field)s must be a whole number from %(low)s to %(high)s.") % {"field": name, "low": low, "high": high},
            details={"field": name},
        )
    return number


def _csv_header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline="")), [])


def _gold(items: list[dict], gold_field: str, label_set: list[str], *, csv_header: list[str] | None) -> None:
    """Each item's known answer (``expected``) from ``gold_field``, where given, checked against the labels."""
    if csv_header is not None and gold_field not in csv_header:
        raise InvalidFile(
            _("Line 1: the header has no column “%(field)s”.") % {"field": gold_field},
            details={"line": 1, "field": gold_field},
        )
    for item in items:
        value = item["payload"].pop(gold_field, None)
        if value is None or (isinstance(value, str) and not value.strip()):
            item["expected"] = ""
            continue
        expected = value.strip() if isinstance(value, str) else value
        if expected not in label_set:
            raise InvalidFile(
                _("Line %(line)s: the known answer “%(value)s” is not one of the labels.")
                % {"line": item["line"], "value": str(value)[:100]},
                details={"line": item["line"], "field": gold_field},
            )
        item["expected"] = expected


def _decode(raw: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GB18030/GBK; phones and scripts use UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidFile(_("The file is not UTF-8 or GBK text."), details={"line": None})


def _item(line: int, value, payload: dict, text_field: str) -> dict:
    if not isinstance(value, str) or not value.strip():
        raise InvalidFile(
            _("Line %(line)s: the field “%(field)s” is missing or empty.") % {"line": line, "field": text_field},
            details={"line": line, "field": text_field},
        )
    if len(value) > MAX_ITEM_CHARS:
        raise InvalidFile(
            _("Line %(line)s: the text is longer than %(max)s characters.") % {"line": line, "max": MAX_ITEM_CHARS},
            details={"line": line},
        )
    return {"line": line, "text": value.strip(), "payload": payload}


def _parse_jsonl(text: str, text_field: str) -> list[dict]:
    items = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json_loads(line)
        except InvalidJSON as exc:
            raise InvalidFile(
                _("Line %(line)s is not valid JSON (%(error)s).") % {"line": line_no, "error": exc.msg},
                details={"line": line_no},
            ) from exc
        if not isinstance(record, dict):
            raise InvalidFile(_("Line %(line)s must be a JSON object.") % {"line": line_no}, details={"line": line_no})
        if _has_nul(record):
            _refuse_nul(line_no)
        items.append(_item(line_no, record.get(text_field), record, text_field))
    return items


def _parse_csv(text: str, text_field: str) -> list[dict]:
    """Strict CSV (a quote not closed where the field ends is an error, not lines merged into one item),
    the line at fault named: where the refused record began. A quoted field may still hold line breaks."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise InvalidFile(_("Line 1 is not valid CSV."), details={"line": 1}) from exc
    if not header or text_field not in header:
        raise InvalidFile(
            _("Line 1: the header has no column “%(field)s”.") % {"field": text_field},
            details={"line": 1, "field": text_field},
        )
    items = []
    began = reader.line_num + 1  # the line the next record starts on
    try:
        for row in reader:
            line_no, began = began, reader.line_num + 1
            if None in row or any(v is None for v in row.values()):
                raise InvalidFile(
                    _("Line %(line)s does not have the same number of columns as the header (%(want)s).")
                    % {"line": line_no, "want": len(header)},
                    details={"line": line_no},
                )
            if not any((v or "").strip() for v in row.values()):
                continue
            if began > line_no + 1 and _swallows_rows(row, len(header)):
                raise InvalidFile(
                    _(
                        'Line %(line)s: a quote (") opened there runs on to line %(last)s, over lines that look like '
                        "rows of their own. Close the quote where its field ends."
                    )
                    % {"line": line_no, "last": began - 1},
                    details={"line": line_no},
                )
            if _has_nul(row):
                _refuse_nul(line_no)
            items.append(_item(line_no, row[text_field], dict(row), text_field))
    except csv.Error as exc:
        raise InvalidFile(
            _(
                'Line %(line)s is not valid CSV: a quote (") opened there is not closed where its field ends. '
                'Close it, or write a quote inside a field as two ("").'
            )
            % {"line": began},
            details={"line": began, "error": str(exc)},
        ) from exc
    return items


def _swallows_rows(row: dict, columns: int) -> bool:
    """A record over several lines whose quoted field holds, after a line break, a line with a full row's
    delimiters: a quote left open, not a text with line breaks (with one column nothing tells them apart)."""
    if columns < 2:
        return False
    return any(part.count(",") >= columns - 1 for value in row.values() if value for part in value.splitlines()[1:])


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(number) != str(value).strip():
        raise InvalidSplit(
            _("%(field)s must be a whole number of at least 1.") % {"field": name},
            details={"field": name},
        )
    if number > MAX_COUNT:
        raise InvalidSplit(
            _("%(field)s can be at most %(max)s.") % {"field": name, "max": f"{MAX_COUNT:,}"},
            details={"field": name, "max": MAX_COUNT},
        )
    return number


def _has_nul(value) -> bool:
    """A NUL character anywhere in a parsed value (PostgreSQL stores none in text or jsonb)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(line: int) -> None:
    raise InvalidFile(
        _("Line %(line)s has a NUL character, which cannot be stored. Please save the file as UTF-8 text.")
        % {"line": line},
        details={"line": line},
    )


def _check_count(count: int, max_tasks: int) -> None:
    if count > max_tasks:
        raise TooManyTasks(
            _("This would create %(count)s tasks; at most %(max)s can be made at once.")
            % {"count": count, "max": max_tasks},
            details={"tasks": count, "max": max_tasks},
        )

"""Reads of the outbox for resume and heartbeats."""

import datetime

from django.db import connection
from django.db.models import Max

from realtime.models import OutboxEvent, PruneMark

# Most events a resume replays after the client's id; a longer gap is re-read through the API.
MAX_REPLAY = 5000
# Event ids are taken when a row is inserted, before its transaction commits, so an event can
# become visible after one with a higher id. A resume therefore also replays events committed
# close to the last one the client saw; the client drops ids it already has. That overlap is
# extra: it never counts against MAX_REPLAY (a busy feed would otherwise resync for nothing).
RESUME_OVERLAP = datetime.timedelta(seconds=10)
MAX_OVERLAP = 2000
# Most rows one repair read hands out for one group (the hub reads on from there next time).
MAX_REPAIR = 2000


def latest_ids(groups: list[str]) -> dict[str, int]:
    """The newest event id of each group (0 for a group without events), one query per 200 groups.

    One ``MAX(id) … WHERE group = %s`` per group, so each is a single probe of the
    ``(group, id)`` index however many events the group holds (a ``GROUP BY`` over an
    ``IN`` list would read them all)."""
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    column = connection.ops.quote_name("group")
    latest = {}
    ordered = sorted(set(groups))
    for chunk in (ordered[i : i + 200] for i in range(0, len(ordered), 200)):
        one = f"SELECT %s, (SELECT MAX(id) FROM {table} WHERE {column} = %s)"
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join([one] * len(chunk)), [value for group in chunk for value in (group, group)]
            )
            latest.update({group: newest or 0 for group, newest in cursor.fetchall()})
    return latest


def cursor() -> int:
    """The newest event id of the whole outbox: where a client that has just read the state
    through the API starts (``ready.latest``); it resumes from there after a reconnect."""
    return OutboxEvent.objects.aggregate(newest=Max("id"))["newest"] or 0


def events_after(groups: list[str], after: int) -> list[dict] | None:
    """What a client of ``groups`` missed after event ``after``, oldest first; None when the
    outbox was pruned past ``after`` (or the gap is too long to replay): re-read the API."""
    pruned_through = PruneMark.objects.aggregate(through=Max("pruned_through"))["through"]
    if pruned_through is not None and after < pruned_through:
        return None
    mine = OutboxEvent.objects.filter(group__in=groups)
    rows = list(mine.filter(id__gt=after).order_by("id")[: MAX_REPLAY + 1])
    if len(rows) > MAX_REPLAY:
        return None
    anchor = OutboxEvent.objects.filter(id=after).values_list("at", flat=True).first()
    if anchor is not None:
        overlap = mine.filter(id__lte=after, at__gte=anchor - RESUME_OVERLAP).order_by("-id")[:MAX_OVERLAP]
        rows = sorted(overlap, key=lambda row: row.id) + rows
    return [row.as_message() for row in rows]


def settled_counts(checkpoints: dict[str, int], *, before) -> dict[str, int]:
    """For each group, how many of its events after its checkpoint were written before ``before``:
    the hub compares this with what it has handed out to find events the layer never brought.
    One statement per 500 groups, each a range probe of the ``(group, id)`` index."""
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    column = connection.ops.quote_name("group")
    counts = dict.fromkeys(checkpoints, 0)
    items = sorted(checkpoints.items())
    for chunk in (items[i : i + 500] for i in range(0, len(items), 500)):
        values = ", ".join(["(%s, %s)"] * len(chunk))
        sql = (
            f"WITH wanted(name, after_id) AS (VALUES {values}) "
            f"SELECT wanted.name, COUNT(o.id) FROM wanted JOIN {table} o "
            f"ON o.{column} = wanted.name AND o.id > wanted.after_id AND o.at < %s GROUP BY wanted.name"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for pair in chunk for value in pair] + [before])
            counts.update(dict(cursor.fetchall()))
    return counts


def settled_events(group: str, *, after: int, before) -> list[OutboxEvent]:
    """A group's events after ``after`` written before ``before``, oldest first (at most MAX_REPAIR)."""
    rows = OutboxEvent.objects.filter(group=group, id__gt=after, at__lt=before).order_by("id")
    return list(rows[:MAX_REPAIR])

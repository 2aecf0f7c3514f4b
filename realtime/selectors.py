"""Reads of the outbox for resume and heartbeats."""

import datetime

from django.db import connection
from django.db.models import Max, Q

from realtime.models import OutboxEvent, PruneMark

MAX_REPLAY = 500
# Event ids are taken when a row is inserted, before its transaction commits, so an event can
# become visible after one with a higher id. A resume therefore also replays events committed
# close to the last one the client saw; the client drops ids it already has.
RESUME_OVERLAP = datetime.timedelta(seconds=10)


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
    missed = Q(id__gt=after)
    anchor = OutboxEvent.objects.filter(id=after).values_list("at", flat=True).first()
    if anchor is not None:
        missed |= Q(id__lte=after, at__gte=anchor - RESUME_OVERLAP)
    rows = list(OutboxEvent.objects.filter(missed, group__in=groups).order_by("id")[: MAX_REPLAY + 1])
    if len(rows) > MAX_REPLAY:
        return None
    return [row.as_message() for row in rows]

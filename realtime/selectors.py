"""Reads of the outbox for resume and heartbeats."""

import datetime

from django.db.models import Max, Min, Q

from realtime.models import OutboxEvent

MAX_REPLAY = 500
# Event ids are taken when a row is inserted, before its transaction commits, so an event can
# become visible after one with a higher id. A resume therefore also replays events committed
# close to the last one the client saw; the client drops ids it already has.
RESUME_OVERLAP = datetime.timedelta(seconds=10)


def latest_event_id(groups: list[str]) -> int:
    return OutboxEvent.objects.filter(group__in=groups).aggregate(latest=Max("id"))["latest"] or 0


def events_after(groups: list[str], after: int) -> list[dict] | None:
    """What a client of ``groups`` missed after event ``after``, oldest first; None when the
    outbox no longer reaches back that far (or the gap is too long to replay): re-read the API."""
    oldest = OutboxEvent.objects.aggregate(oldest=Min("id"))["oldest"]
    if oldest is not None and after < oldest - 1:
        return None
    missed = Q(id__gt=after)
    anchor = OutboxEvent.objects.filter(id=after).values_list("at", flat=True).first()
    if anchor is not None:
        missed |= Q(id__lte=after, at__gte=anchor - RESUME_OVERLAP)
    rows = list(OutboxEvent.objects.filter(missed, group__in=groups).order_by("id")[: MAX_REPLAY + 1])
    if len(rows) > MAX_REPLAY:
        return None
    return [row.as_message() for row in rows]

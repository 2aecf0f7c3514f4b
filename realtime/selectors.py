"""Reads of the outbox for resume and heartbeats."""

from django.db.models import Max, Min

from realtime.models import OutboxEvent

MAX_REPLAY = 500


def latest_event_id(groups: list[str]) -> int:
    return OutboxEvent.objects.filter(group__in=groups).aggregate(latest=Max("id"))["latest"] or 0


def events_after(groups: list[str], after: int) -> list[dict] | None:
    """What a client of ``groups`` missed after event ``after``, oldest first; None when the
    outbox no longer reaches back that far (or the gap is too long to replay): re-read the API."""
    oldest = OutboxEvent.objects.aggregate(oldest=Min("id"))["oldest"]
    if oldest is not None and after < oldest - 1:
        return None
    rows = list(OutboxEvent.objects.filter(group__in=groups, id__gt=after).order_by("id")[: MAX_REPLAY + 1])
    if len(rows) > MAX_REPLAY:
        return None
    return [row.as_message() for row in rows]

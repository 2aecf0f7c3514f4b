"""From the realtime outbox to webhook deliveries: one ``WebhookDelivery`` per endpoint and event.

The outbox (``realtime.models.OutboxEvent``) is written in the transaction of each change, so a change
that rolled back has no event and nothing is sent for it. The fan-out reads the rows of the staff
feeds (``company.<id>.staff``) after a stored cursor and copies each event's type and data into a
delivery for every enabled endpoint of that company that chose the type and existed when the event
happened; pruning the outbox later loses nothing pending.

Outbox ids are taken at insert, before commit, so an event can commit after one with a higher id that
the cursor has already passed. Every run therefore reads again the events of the last
``LATE_COMMIT_WINDOW`` before the newest one it has read, and relies on the unique (endpoint, event)
of ``WebhookDelivery`` (``bulk_create(ignore_conflicts=True)``) to make every re-read a no-op. An event
whose transaction took longer than the window to commit is not sent (no service holds one so long).
"""

import datetime

from django.db import transaction

from integrations.models import FanoutCursor, WebhookDelivery, WebhookEndpoint
from realtime import events
from realtime.models import OutboxEvent

LATE_COMMIT_WINDOW = datetime.timedelta(minutes=5)
BATCH = 2000
# The realtime type each webhook type comes from; the rest keep their names.
WEBHOOK_TYPE = {
    events.SUBMISSION_CREATED: "submission.created",
    events.REVIEW_DECIDED: "submission.reviewed",
    events.PROJECT_PROGRESS: "project.progress",
    events.PAYOUT_APPROVED: "payout.approved",
    events.PAYOUT_PAID: "payout.paid",
    events.RESULTS_READY: "results.ready",
}
_STAFF_PREFIX, _STAFF_SUFFIX = "company.", ".staff"


def _company_of(group: str) -> int | None:
    middle = group.removeprefix(_STAFF_PREFIX).removesuffix(_STAFF_SUFFIX)
    return int(middle) if middle.isdigit() else None


def _staff_events():
    return OutboxEvent.objects.filter(
        type__in=list(WEBHOOK_TYPE), group__startswith=_STAFF_PREFIX, group__endswith=_STAFF_SUFFIX
    )


def outbox_fanout() -> int:
    """Make the deliveries of every event not yet fanned out; returns how many were made. Idempotent,
    and safe beside another run (the unique key decides; the cursor only moves forward)."""
    cursor, _ = FanoutCursor.objects.get_or_create(pk=1)
    endpoints = list(
        WebhookEndpoint.objects.filter(disabled_at__isnull=True).only("id", "company_id", "event_types", "created_at")
    )
    if not endpoints:
        # Nobody listens: move past what is there, so the first endpoint does not read the whole outbox.
        _cursor_advance(cursor_id=cursor.pk, newest=_newest_after(cursor.event_id))
        return 0
    by_company: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in endpoints:
        by_company.setdefault(endpoint.company_id, []).append(endpoint)
    oldest_listener = min(endpoint.created_at for endpoint in endpoints)
    scope = _staff_events().filter(group__in=[f"{_STAFF_PREFIX}{c}{_STAFF_SUFFIX}" for c in by_company])
    made = 0
    if cursor.event_at is not None:
        # The late committers: read again what the last window holds below the cursor.
        late = scope.filter(id__lte=cursor.event_id, at__gte=max(cursor.event_at - LATE_COMMIT_WINDOW, oldest_listener))
        made += _deliveries_make(list(late.order_by("id")), by_company)
    after = cursor.event_id
    while True:
        rows = list(scope.filter(id__gt=after, at__gte=oldest_listener).order_by("id")[:BATCH])
        if not rows:
            # Nothing for a listener: past the rest too (the window still re-reads its late ones).
            _cursor_advance(cursor_id=cursor.pk, newest=_newest_after(after))
            return made
        with transaction.atomic():
            made += _deliveries_make(rows, by_company)
            after = rows[-1].id
            _cursor_advance(cursor_id=cursor.pk, newest=(after, max(row.at for row in rows)))
        if len(rows) < BATCH:
            return made


def _deliveries_make(rows: list[OutboxEvent], by_company: dict[int, list[WebhookEndpoint]]) -> int:
    deliveries = []
    for row in rows:
        webhook_type = WEBHOOK_TYPE[row.type]
        for endpoint in by_company.get(_company_of(row.group), []):
            if webhook_type in endpoint.event_types and row.at >= endpoint.created_at:
                deliveries.append(
                    WebhookDelivery(
                        endpoint_id=endpoint.pk,
                        event_id=row.id,
                        event_type=webhook_type,
                        event_at=row.at,
                        data=row.data,
                        next_attempt_at=row.at,
                    )
                )
    if not deliveries:
        return 0
    # Only what is new counts: a row another run (or an earlier window) made is left as it is.
    known = set(
        WebhookDelivery.objects.filter(event_id__in={d.event_id for d in deliveries}).values_list(
            "endpoint_id", "event_id"
        )
    )
    fresh = [d for d in deliveries if (d.endpoint_id, d.event_id) not in known]
    WebhookDelivery.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def _newest_after(event_id: int) -> tuple[int, datetime.datetime] | None:
    newest = OutboxEvent.objects.filter(id__gt=event_id).order_by("-id").values_list("id", "at").first()
    return tuple(newest) if newest else None


def _cursor_advance(*, cursor_id: int, newest: tuple[int, datetime.datetime] | None) -> None:
    """To ``newest`` (an event's id and time); forward only: a slower run beside a faster one never
    moves the cursor back."""
    if newest is not None:
        event_id, event_at = newest
        FanoutCursor.objects.filter(event_id__lt=event_id, pk=cursor_id).update(event_id=event_id, event_at=event_at)

"""Sending due webhook deliveries: claim one, POST it with no transaction open, record the outcome.

Each attempt is two short transactions around the request. The claim is a conditional ``UPDATE``
(the delivery must still be pending and due, its endpoint on) that moves ``next_attempt_at`` a lease
ahead and counts the attempt, so a second worker does not pick it up meanwhile; a worker that dies
mid-request leaves the delivery to be tried again when the lease ends. The outcome is written only
by the attempt that claimed it (``attempts`` unchanged since).

A failure is tried again after as long as the retries have lasted so far (at least 30 s, at most an
hour: 30 s, 30 s, 1, 2, 4 … minutes), for 24 hours from the first attempt; then the delivery is
``failed``. An endpoint that has answered nothing but failures for 24 hours is turned off, and its
company's admins get a notice; a success clears ``failing_since``.
"""

import dataclasses
import datetime
import time

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from core import locks, sealing
from integrations import delivery, selectors
from integrations.models import DeliveryStatus, DisabledReason, WebhookDelivery, WebhookEndpoint
from notices.models import NoticeKind
from notices.services import notice_send

LEASE = datetime.timedelta(minutes=2)
FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_RETRY = datetime.timedelta(hours=1)
RETRY_FOR = datetime.timedelta(hours=24)
DISABLE_AFTER = datetime.timedelta(hours=24)
KEEP_FINISHED = datetime.timedelta(days=30)
PER_RUN = 200
BUDGET_SECONDS = 45


@dataclasses.dataclass(frozen=True)
class Attempt:
    delivery_id: int
    endpoint_id: int
    number: int
    url: str
    body: str
    headers: dict


def secrets_signing(endpoint: WebhookEndpoint, now: datetime.datetime) -> list[str]:
    """The secrets a request is signed with now: the current one, and the previous during its overlap."""
    signing = [sealing.unseal(endpoint.secret_sealed)]
    if (
        endpoint.previous_secret_sealed
        and endpoint.previous_secret_expires_at
        and now < endpoint.previous_secret_expires_at
    ):
        signing.append(sealing.unseal(endpoint.previous_secret_sealed))
    return signing


def deliveries_send(*, budget_seconds: float = BUDGET_SECONDS) -> int:
    """Attempt the deliveries due now, oldest first; the number delivered. An endpoint that fails once
    in a run is not tried again in that run (one unreachable receiver costs one timeout a minute)."""
    started = time.monotonic()
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now(), endpoint__disabled_at__isnull=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", "endpoint_id")[:PER_RUN]
    )
    delivered, failing = 0, set()
    for delivery_id, endpoint_id in due:
        if endpoint_id in failing:
            continue
        if time.monotonic() - started > budget_seconds:
            break
        attempt = attempt_claim(delivery_id=delivery_id)
        if attempt is None:
            continue
        outcome = delivery.post(attempt.url, body=attempt.body, headers=attempt.headers)
        attempt_record(attempt=attempt, outcome=outcome)
        if outcome.delivered:
            delivered += 1
        else:
            failing.add(endpoint_id)
    return delivered


@transaction.atomic
def attempt_claim(*, delivery_id: int) -> Attempt | None:
    """Take a due delivery for one attempt (None when it is not due, taken, or its endpoint is off)."""
    now = timezone.now()
    claimed = locks.lock_update(
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__disabled_at__isnull=True,
        ),
        next_attempt_at=now + LEASE,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        first_attempt_at=Coalesce(F("first_attempt_at"), now),
    )
    if not claimed:
        return None
    row = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = delivery.body_of(event_type=row.event_type, event_at=row.event_at, data=row.data)
    headers = delivery.headers_for(
        message_id=row.message_id, body=body, secrets_now=secrets_signing(row.endpoint, now), sent_at=now
    )
    return Attempt(row.pk, row.endpoint_id, row.attempts, row.endpoint.url, body, headers)


@transaction.atomic
def attempt_record(*, attempt: Attempt, outcome: delivery.Outcome) -> None:
    """Write what the attempt came to; the endpoint's failing streak; turn it off after 24 hours of it."""
    now = timezone.now()
    endpoint = locks.lock_one(WebhookEndpoint.objects.filter(pk=attempt.endpoint_id))
    ours = WebhookDelivery.objects.filter(
        pk=attempt.delivery_id, attempts=attempt.number, status=DeliveryStatus.PENDING
    )
    row = ours.first()
    if endpoint is None or row is None:
        return  # deleted, replayed or finished meanwhile: that change stands
    common = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.delivered:
        locks.lock_update(ours, status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None, **common)
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return
    began = row.first_attempt_at or now
    if now - began >= RETRY_FOR:
        locks.lock_update(ours, status=DeliveryStatus.FAILED, next_attempt_at=None, **common)
    else:
        wait = min(max(now - began, FIRST_RETRY), LONGEST_RETRY)
        locks.lock_update(ours, next_attempt_at=min(now + wait, began + RETRY_FOR), **common)
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=now)
    elif now - endpoint.failing_since >= DISABLE_AFTER and endpoint.disabled_at is None:
        _endpoint_turn_off(endpoint, now)


def _endpoint_turn_off(endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    endpoint.disabled_at, endpoint.disabled_reason = now, DisabledReason.FAILING
    endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    audit_record(actor=None, action="webhook.disable", target=endpoint, company_id=endpoint.company_id)
    text = _(
        "Your webhook to %(url)s has failed for 24 hours and has been turned off. Once the receiving system "
        "works again, turn the webhook back on: deliveries still waiting are then sent, and failed ones can be "
        "sent again from the delivery log."
    ) % {"url": endpoint.url}
    for user_id in selectors.admin_ids_of(endpoint.company_id):
        notice_send(
            user_id=user_id,
            kind=NoticeKind.WEBHOOK_DISABLED,
            key=f"webhook_disabled:{endpoint.pk}:{int(now.timestamp())}",
            text=text,
            data={"company": endpoint.company_id, "webhook": endpoint.pk, "url": endpoint.url[:200]},
        )


def deliveries_prune(*, older_than: datetime.timedelta = KEEP_FINISHED) -> int:
    """Forget deliveries finished (delivered or failed) longer ago than ``older_than``."""
    cutoff = timezone.now() - older_than
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED], last_attempt_at__lt=cutoff
    ).delete()
    return deleted

"""What a company admin does with webhooks: register an endpoint, change it, turn it on and off, rotate
its secret, remove it, send a delivery again. Only the admins of the endpoint's company; another
company's endpoint is a 404 (``NotFound``), as everywhere in the API."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Company, Role, User
from accounts.selectors import role_in
from core import locks, sealing
from core.errors import NotFound
from integrations import delivery, targets
from integrations.errors import InvalidEventTypes, TooManyWebhooks
from integrations.models import DeliveryStatus, DisabledReason, WebhookDelivery, WebhookEndpoint, WebhookEventType

MAX_ENDPOINTS = 10
ROTATION_OVERLAP = datetime.timedelta(hours=24)


def _require_admin(actor: User, company_id: int) -> None:
    if role_in(actor, company_id) != Role.ADMIN:
        raise NotFound()


def _event_types_check(event_types) -> list[str]:
    """The chosen types, each once, in the order given; ``InvalidEventTypes`` for any unknown one."""
    allowed = list(WebhookEventType.values)
    if not isinstance(event_types, list | tuple) or not event_types:
        raise InvalidEventTypes(details={"allowed": allowed})
    unknown = [t for t in event_types if not isinstance(t, str) or t not in allowed]
    if unknown:
        raise InvalidEventTypes(
            _("Unknown event types: %(types)s.") % {"types": ", ".join(map(str, unknown))},
            details={"unknown": [str(t) for t in unknown], "allowed": allowed},
        )
    return list(dict.fromkeys(event_types))


def _locked_endpoint(actor: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = locks.lock_one(WebhookEndpoint.objects.filter(pk=endpoint_id))
    if endpoint is None:
        raise NotFound()
    _require_admin(actor, endpoint.company_id)
    return endpoint


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, company_id: int, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret, which is shown this once (only its seal is kept)."""
    _require_admin(actor, company_id)
    url = targets.url_check(url)
    event_types = _event_types_check(event_types)
    # The company's row serialises two registrations at once, so the limit holds.
    locks.lock_one(Company.objects.filter(pk=company_id))
    if WebhookEndpoint.objects.filter(company_id=company_id).count() >= MAX_ENDPOINTS:
        raise TooManyWebhooks(details={"limit": MAX_ENDPOINTS})
    secret = delivery.secret_new()
    endpoint = WebhookEndpoint.objects.create(
        company_id=company_id,
        url=url,
        event_types=event_types,
        description=(description or "").replace("\x00", "").strip()[:200],
        secret_sealed=sealing.seal(secret),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="webhook.create", target=endpoint, company_id=company_id, url=url, event_types=event_types
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: User,
    endpoint_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. ``enabled=True`` turns a stopped endpoint on again: its pending deliveries
    are due at once, each with a new 24 hours of retries; ``enabled=False`` stops sending (nothing is
    queued for it while it is off)."""
    endpoint = _locked_endpoint(actor, endpoint_id)
    changed = []
    if url is not None:
        endpoint.url = targets.url_check(url)
        changed.append("url")
    if event_types is not None:
        endpoint.event_types = _event_types_check(event_types)
        changed.append("event_types")
    if description is not None:
        endpoint.description = description.replace("\x00", "").strip()[:200]
        changed.append("description")
    now = timezone.now()
    if enabled is True and endpoint.disabled_at is not None:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
        changed += ["disabled_at", "disabled_reason", "failing_since"]
        locks.lock_update(
            WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING),
            next_attempt_at=now,
            first_attempt_at=None,
        )
    elif enabled is False and endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_reason = now, DisabledReason.BY_ADMIN
        changed += ["disabled_at", "disabled_reason"]
    if changed:
        endpoint.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="webhook.update",
            target=endpoint,
            company_id=endpoint.company_id,
            fields=sorted(set(changed)),
            enabled=endpoint.enabled,
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log; nothing more is sent to it."""
    endpoint = _locked_endpoint(actor, endpoint_id)
    audit_record(
        actor=actor, action="webhook.delete", target=endpoint, company_id=endpoint.company_id, url=endpoint.url
    )
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(*, actor: User, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new secret, returned this once. For 24 hours requests are signed with both the new and the
    previous one (a receiver can switch over in its own time), then with the new one alone."""
    endpoint = _locked_endpoint(actor, endpoint_id)
    secret = delivery.secret_new()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_sealed = sealing.seal(secret)
    endpoint.save(update_fields=["secret_sealed", "previous_secret_sealed", "previous_secret_expires_at"])
    audit_record(actor=actor, action="webhook.rotate_secret", target=endpoint, company_id=endpoint.company_id)
    return endpoint, secret


@transaction.atomic
def webhook_delivery_replay(*, actor: User, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (whatever its status): due at once, with a new 24 hours of retries and the
    same ``webhook-id``. An endpoint that is off sends it once it is on again."""
    endpoint = _locked_endpoint(actor, endpoint_id)
    replayed = locks.lock_update(
        WebhookDelivery.objects.filter(pk=delivery_id, endpoint=endpoint),
        status=DeliveryStatus.PENDING,
        next_attempt_at=timezone.now(),
        first_attempt_at=None,
    )
    if not replayed:
        raise NotFound()
    audit_record(
        actor=actor, action="webhook.replay", target=endpoint, company_id=endpoint.company_id, delivery=delivery_id
    )
    return WebhookDelivery.objects.get(pk=delivery_id)


def endpoint_secrets_reseal() -> int:
    """Seal every endpoint's secrets again with the first of ``HOMESLOT_FIELD_KEYS`` (key rotation,
    ``manage.py rotate_field_keys``); the number of endpoints. Each row in its own short transaction."""
    count = 0
    for endpoint_id in list(WebhookEndpoint.objects.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            endpoint = locks.lock_one(WebhookEndpoint.objects.filter(pk=endpoint_id))
            if endpoint is None:
                continue
            endpoint.secret_sealed = sealing.reseal(endpoint.secret_sealed)
            if endpoint.previous_secret_sealed:
                endpoint.previous_secret_sealed = sealing.reseal(endpoint.previous_secret_sealed)
            endpoint.save(update_fields=["secret_sealed", "previous_secret_sealed"])
            count += 1
    return count

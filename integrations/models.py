from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company


class WebhookEventType(models.TextChoices):
    """What a company's system may subscribe to (realtime ``review.decided`` is ``submission.reviewed``)."""

    SUBMISSION_CREATED = "submission.created", _("work handed in")
    SUBMISSION_REVIEWED = "submission.reviewed", _("work reviewed")
    PROJECT_PROGRESS = "project.progress", _("project progress")
    PAYOUT_APPROVED = "payout.approved", _("payout batch approved")
    PAYOUT_PAID = "payout.paid", _("payout batch paid")
    RESULTS_READY = "results.ready", _("results file ready")


class DisabledReason(models.TextChoices):
    FAILING = "failing", _("failing for 24 hours")
    BY_ADMIN = "by_admin", _("turned off by an admin")


class WebhookEndpoint(models.Model):
    """A URL of a company's system that hears the events it chose, signed with its own secret."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # ``whsec_…`` sealed with core.sealing; the previous secret signs too until it expires (rotation).
    secret_sealed = models.TextField()
    previous_secret_sealed = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Since when every attempt has failed (cleared by a success); 24 hours of it turns the endpoint off.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("turned off at"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=10, choices=DisabledReason.choices, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disabled_at__isnull=True, disabled_reason="")
                | Q(disabled_at__isnull=False) & ~Q(disabled_reason=""),
                name="webhook_disabled_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.company_id} {self.url}"

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: a copy of the event (the outbox is pruned) and how sending it went."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(_("event id"))  # the realtime outbox row's id
    event_type = models.CharField(_("event type"), max_length=32, choices=WebhookEventType.choices)
    event_at = models.DateTimeField(_("event time"))
    data = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices, default="pending")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the current run of retries began (its 24 hours); a replay starts a new one.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # Due for its next attempt (pending only); an attempt in flight holds it a lease ahead.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-event_id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_event"),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="webhook_pending_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.endpoint_id} #{self.event_id} {self.event_type} ({self.status})"

    @property
    def message_id(self) -> str:
        """The ``webhook-id`` header: the same on every attempt and replay, so a receiver can deduplicate."""
        return f"evt_{self.event_id}"


class FanoutCursor(models.Model):
    """How far the fan-out has read the outbox (one row): the highest event id read and its time."""

    event_id = models.BigIntegerField(default=0)
    event_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"through {self.event_id}"

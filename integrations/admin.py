"""Webhooks in the operator's admin: to look at, not to change (company admins use the API; the
secrets are sealed and never shown)."""

from django.contrib import admin

from core.admin_read_only import ReadOnlyAdmin
from integrations.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "company", "url", "created_at", "failing_since", "disabled_at", "disabled_reason")
    list_filter = ("disabled_reason",)
    search_fields = ("url", "company__name")
    exclude = ("secret_sealed", "previous_secret_sealed")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "endpoint",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "event_type")
    list_select_related = ("endpoint",)
    raw_id_fields = ("endpoint",)

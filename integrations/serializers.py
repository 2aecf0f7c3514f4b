from django.utils.translation import gettext as _
from rest_framework import serializers

from core.fields import IdField
from core.serializers import ModelSerializer
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEventType
from notices.serializers import StrictBooleanField

_TYPES_HELP = "any of: " + ", ".join(WebhookEventType.values)


class _KnownKeysOnly(serializers.Serializer):
    """A key the endpoint does not take is refused, not ignored (``{"enable": true}`` changes nothing)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class WebhookIn(_KnownKeysOnly):
    company = IdField(required=False, help_text="Needed only if you are an admin of several companies.")
    url = serializers.CharField(max_length=500, trim_whitespace=True, help_text="https://… of your system")
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20, help_text=_TYPES_HELP
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookPatchIn(_KnownKeysOnly):
    url = serializers.CharField(max_length=500, required=False)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20, required=False, help_text=_TYPES_HELP
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = StrictBooleanField(required=False, help_text="true turns a stopped endpoint on again")


class WebhookOut(ModelSerializer):
    enabled = serializers.BooleanField(read_only=True)
    secret_overlap_until = serializers.DateTimeField(
        source="previous_secret_expires_at",
        read_only=True,
        help_text="until then requests are signed with the previous secret too (after a rotation)",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "company",
            "url",
            "event_types",
            "description",
            "enabled",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "secret_overlap_until",
            "created_at",
        ]


class WebhookWithSecretOut(WebhookOut):
    """The endpoint with its secret: answered once, at registration and at each rotation."""

    secret = serializers.SerializerMethodField(help_text="whsec_…: keep it now, it is never shown again")

    class Meta(WebhookOut.Meta):
        fields = [*WebhookOut.Meta.fields, "secret"]

    def get_secret(self, endpoint) -> str:
        return self.context["secret"]


class WebhookDeliveryOut(ModelSerializer):
    webhook_id = serializers.CharField(source="message_id", read_only=True, help_text="the webhook-id header")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "event_at",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "data",
        ]

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.schema import ClockTimeField
from core.serializers import ModelSerializer
from notices import webpush
from notices.models import SMS_CATEGORIES, Category, Notice, NoticeSettings, PushSubscription


class NoticeOut(ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "text", "data", "created_at", "read_at"]


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (not "yes", 1 or "on")."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class _Switches(serializers.Serializer):
    """One channel's switches per category; a key it does not know is refused, not ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown category.")] for key in unknown})
        return super().to_internal_value(data)


class PushSwitches(_Switches):
    reviews = StrictBooleanField(required=False)
    reminders = StrictBooleanField(required=False)
    payouts = StrictBooleanField(required=False)
    other = StrictBooleanField(required=False)


class SmsSwitches(_Switches):
    reminders = StrictBooleanField(required=False)
    payouts = StrictBooleanField(required=False)


class NotificationSettingsIn(serializers.Serializer):
    push = PushSwitches(required=False, help_text="Web Push per category: reviews, reminders, payouts, other")
    sms = SmsSwitches(required=False, help_text="SMS per category that has any: reminders, payouts")
    quiet_start = ClockTimeField(required=False, help_text="No push or SMS from this time (HH:MM)")
    quiet_end = ClockTimeField(required=False, help_text="until this time; what falls in them waits")

    def choices(self) -> dict:
        """The validated input as the fields of ``NoticeSettings``."""
        data = dict(self.validated_data)
        flat = {f"push_{k}": v for k, v in data.pop("push", {}).items()}
        flat |= {f"sms_{k}": v for k, v in data.pop("sms", {}).items()}
        return flat | data


class NotificationSettingsOut(serializers.Serializer):
    push = serializers.SerializerMethodField()
    sms = serializers.SerializerMethodField()
    quiet_start = ClockTimeField()
    quiet_end = ClockTimeField()
    vapid_public_key = serializers.SerializerMethodField()
    sms_daily_cap = serializers.SerializerMethodField()

    def get_push(self, row: NoticeSettings) -> dict[str, bool]:
        return {c.value: getattr(row, f"push_{c.value}") for c in Category}

    def get_sms(self, row: NoticeSettings) -> dict[str, bool]:
        return {c.value: getattr(row, f"sms_{c.value}") for c in SMS_CATEGORIES}

    def get_vapid_public_key(self, row) -> str:
        """The application server key a page subscribes with; empty when push is off on this server."""
        return webpush.public_key()

    def get_sms_daily_cap(self, row) -> int:
        return settings.HOMESLOT_SMS_DAILY_CAP


class PushKeys(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class PushSubscriptionIn(serializers.Serializer):
    """The browser's ``PushSubscription.toJSON()``, and a label for the browser if the page has one."""

    endpoint = serializers.CharField(max_length=1000)
    keys = PushKeys()
    label = serializers.CharField(max_length=80, required=False, allow_blank=True)


class PushSubscriptionOut(ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "label", "created_at", "last_success_at"]

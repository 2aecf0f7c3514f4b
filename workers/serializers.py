from django.utils.translation import gettext as _
from rest_framework import serializers

from core.fields import StrictIntegerField
from core.schema import ClockTimeField
from core.serializers import ModelSerializer
from notices import selectors as notice_selectors
from workers import facts
from workers.models import AvailabilityWindow, PayoutAccount, PayoutMethod, WorkerProfile
from workers.services import PROFILE_FIELDS, QUIET_FIELDS


class WorkerProfileOut(ModelSerializer):
    quiet_start = serializers.SerializerMethodField()
    quiet_end = serializers.SerializerMethodField()
    reliability = serializers.SerializerMethodField()

    class Meta:
        model = WorkerProfile
        fields = [*PROFILE_FIELDS, *QUIET_FIELDS, "reliability"]

    def get_quiet_start(self, profile) -> str:
        """From this time (HH:MM) no push, SMS or reminder (kept with her notification settings)."""
        return f"{notice_selectors.settings_for(profile.user_id).quiet_start:%H:%M}"

    def get_quiet_end(self, profile) -> str:
        """Until this time (HH:MM)."""
        return f"{notice_selectors.settings_for(profile.user_id).quiet_end:%H:%M}"

    def get_reliability(self, profile) -> dict:
        """Her own record, never hidden from her: family emergencies left this month, and the
        share of the last 90 days' claims she saw through (releases during a slot beyond the
        emergencies, and expiries, count against it)."""
        return facts.reliability(profile.user_id)


class WorkerProfileIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=64)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True)
    city = serializers.CharField(max_length=64, required=False, allow_blank=True)
    children_under_12 = StrictIntegerField(forms=True, min_value=0, max_value=20, required=False)
    youngest_birth_year = StrictIntegerField(forms=True, required=False, allow_null=True)
    quiet_start = ClockTimeField(required=False, help_text="No reminders from this time (default 22:00)")
    quiet_end = ClockTimeField(required=False, help_text="until this time (default 07:00)")


class AvailabilityWindowSerializer(ModelSerializer):
    start = ClockTimeField()
    end = ClockTimeField()
    weekday = StrictIntegerField(forms=True, min_value=0, max_value=6)

    class Meta:
        model = AvailabilityWindow
        fields = ["weekday", "start", "end"]
        validators: list = []

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("A window must end after it starts.")})
        return attrs


class PayoutAccountIn(serializers.Serializer):
    """What she types; the service checks it (and answers with its own codes)."""

    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    account_name = serializers.CharField(
        max_length=200, allow_blank=True, help_text="The payee's name, as the bank knows it"
    )
    account_number = serializers.CharField(
        max_length=64, allow_blank=True, help_text="Bank card (12–19 digits, Luhn) or Alipay mobile / e-mail"
    )
    bank_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Required for a bank card"
    )
    code = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="SMS code (purpose payout_account): to change an account",
    )


class PayoutAccountOut(ModelSerializer):
    """Her account as anyone sees it: the number masked, never in full."""

    account_number_masked = serializers.CharField(source="number_masked")

    class Meta:
        model = PayoutAccount
        fields = ["method", "account_name", "account_number_masked", "bank_name", "updated_at"]

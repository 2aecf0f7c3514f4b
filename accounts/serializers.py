from rest_framework import serializers

from accounts.models import ApiToken, Company, Membership, User
from accounts.phones import phone_national
from core.serializers import ModelSerializer


class TokenInput(serializers.Serializer):
    """A password or an SMS code (purpose ``sign_in``), one of the two."""

    phone = serializers.CharField(max_length=32)
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)
    code = serializers.CharField(max_length=12, required=False)


class SmsCodeIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    purpose = serializers.CharField(max_length=32)


class SmsCodeOut(serializers.Serializer):
    sent_to = serializers.CharField(help_text="the number, masked; said whether or not a code was sent")
    expires_in = serializers.IntegerField(help_text="seconds a code lasts")
    resend_after = serializers.IntegerField(help_text="seconds before another code may be asked for")


class PasswordResetIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=12)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class ConsentIn(serializers.Serializer):
    terms = serializers.CharField(max_length=32, help_text="the version of the terms of use she agreed to")
    privacy = serializers.CharField(max_length=32, help_text="the version of the privacy notice she agreed to")


class SignUpIn(serializers.Serializer):
    """``intent``: ``work`` (a mother: region and the declaration needed) or ``company`` (she goes on to
    register her company with ``POST /api/v1/companies``)."""

    phone = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=12)
    display_name = serializers.CharField(max_length=64)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)
    consent = ConsentIn()
    cares_for_child_under_12 = serializers.BooleanField(required=False, default=False)
    intent = serializers.ChoiceField(choices=["work", "company"], required=False, default="work")


class CompanyIn(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    credit_code = serializers.CharField(max_length=32, help_text="统一社会信用代码, 18 characters")
    region = serializers.CharField(max_length=64)
    contact_name = serializers.CharField(max_length=64)
    contact_phone = serializers.CharField(max_length=32)


class CompanyOut(ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "credit_code", "region", "status", "review_reason", "created_at"]


class MembershipOut(ModelSerializer):
    company_name = serializers.CharField(source="company.name")

    class Meta:
        model = Membership
        fields = ["company", "company_name", "role"]


class UserOut(ModelSerializer):
    phone = serializers.SerializerMethodField()
    roles = MembershipOut(source="memberships", many=True)
    is_worker = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "phone", "display_name", "roles", "is_worker"]

    def get_phone(self, user) -> str:
        return phone_national(user.phone)

    def get_is_worker(self, user) -> bool:
        return hasattr(user, "worker_profile")


class ApiTokenOut(ModelSerializer):
    current = serializers.SerializerMethodField(help_text="the token this request came with")

    class Meta:
        model = ApiToken
        fields = ["id", "label", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token) -> bool:
        used = getattr(self.context.get("request"), "auth", None)
        return isinstance(used, ApiToken) and used.pk == token.pk

from rest_framework import serializers

from accounts.models import ApiToken, Membership, User
from accounts.phones import phone_national


class TokenInput(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class MembershipOut(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name")

    class Meta:
        model = Membership
        fields = ["company", "company_name", "role"]


class UserOut(serializers.ModelSerializer):
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


class ApiTokenOut(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="the token this request came with")

    class Meta:
        model = ApiToken
        fields = ["id", "label", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token) -> bool:
        used = getattr(self.context.get("request"), "auth", None)
        return isinstance(used, ApiToken) and used.pk == token.pk

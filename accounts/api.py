from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import codes, companies, selectors, services
from accounts.models import ApiToken, Membership, Role
from accounts.phones import phone_masked, phone_normalize
from accounts.serializers import (
    ApiTokenOut,
    CompanyIn,
    CompanyOut,
    PasswordResetIn,
    SmsCodeIn,
    SmsCodeOut,
    TokenInput,
    UserOut,
)
from accounts.throttles import SIGN_IN_THROTTLES, SMS_CODE_THROTTLES
from core.serializers import ModelSerializer


class TokenView(APIView):
    """Sign in with phone number and password, or with an SMS code (``{phone, code}``, purpose
    ``sign_in``); get an API token for this device."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(request=TokenInput, responses={200: dict})
    def post(self, request):
        given = TokenInput(data=request.data)
        given.is_valid(raise_exception=True)
        token, key, user = services.auth_token_issue(request=request, **given.validated_data)
        return Response(issued_body(token, key, user))


class SmsCodeView(APIView):
    """Send a 6-digit code by SMS (``purpose``: sign_up, sign_in, reset, delete, payout_account). The
    answer is the same whether or not the number has an account; one a minute and ten a day per
    number, and a limit per client address (429 past them)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = SMS_CODE_THROTTLES

    @extend_schema(request=SmsCodeIn, responses={202: SmsCodeOut})
    def post(self, request):
        given = SmsCodeIn(data=request.data)
        given.is_valid(raise_exception=True)
        answer = codes.sms_code_request(**given.validated_data)
        body = {"sent_to": phone_masked(phone_normalize(given.validated_data["phone"])), **answer}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class PasswordResetView(APIView):
    """A forgotten password: a new one with a ``reset`` code. Every other session and token ends;
    this device gets a token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(request=PasswordResetIn, responses={200: dict})
    def post(self, request):
        given = PasswordResetIn(data=request.data)
        given.is_valid(raise_exception=True)
        token, key, user = services.password_reset(request=request, **given.validated_data)
        return Response(issued_body(token, key, user))


class CompaniesView(APIView):
    """Her companies (GET); POST registers a new one, with her as its admin: ``pending`` until an
    operator approves it (it may prepare projects, not publish them)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=CompanyOut(many=True))
    def get(self, request):
        return Response(CompanyOut(selectors.companies_of(request.user), many=True).data)

    @extend_schema(request=CompanyIn, responses={201: CompanyOut})
    def post(self, request):
        given = CompanyIn(data=request.data)
        given.is_valid(raise_exception=True)
        company = companies.company_register(actor=request.user, **given.validated_data)
        return Response(CompanyOut(company).data, status=status.HTTP_201_CREATED)


def issued_body(token: ApiToken, key: str, user) -> dict:
    """``{token, user, expires_at}``: the key, shown this once."""
    return {"token": key, "user": UserOut(user).data, "expires_at": ApiTokenOut(token).data["expires_at"]}


class SignOutView(APIView):
    """Revoke the token this request came with (other devices stay signed in); with the session
    cookie, end the session."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            services.auth_token_revoke(user=request.user, token=request.auth)
        else:
            services.session_sign_out(request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeTokensView(APIView):
    """Her API tokens, one per signed-in device (never the keys)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ApiTokenOut(many=True))
    def get(self, request):
        tokens = selectors.tokens_for(request.user)
        return Response(ApiTokenOut(tokens, many=True, context={"request": request}).data)


class MeTokenView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.api_token_revoke(actor=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    role = serializers.ChoiceField(choices=Role.choices)


class MemberOut(ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["user", "name", "phone", "role", "created_at"]

    def get_phone(self, membership) -> str:
        return phone_masked(membership.user.phone)


class AcceptInvitationIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=12)
    password = serializers.CharField(max_length=128)
    display_name = serializers.CharField(max_length=64)


class CompanyMembersView(APIView):
    """A company's staff (admins): list; POST ``{phone, role}`` adds someone with an account at
    once (201) or invites them by an SMS code (202)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MemberOut(many=True))
    def get(self, request, pk):
        services._require_admin(request.user, pk)
        members = Membership.objects.filter(company_id=pk).select_related("user").order_by("role", "user_id")
        return Response(MemberOut(members, many=True).data)

    @extend_schema(request=MemberIn, responses={201: MemberOut, 202: dict})
    def post(self, request, pk):
        given = MemberIn(data=request.data)
        given.is_valid(raise_exception=True)
        kind, made = services.member_invite(actor=request.user, company_id=pk, **given.validated_data)
        if kind == "member":
            return Response(MemberOut(made).data, status=status.HTTP_201_CREATED)
        body = {"invited": phone_masked(made.phone), "role": made.role, "expires_at": made.expires_at}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class CompanyMemberView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk, user_id):
        services.member_remove(actor=request.user, company_id=pk, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptInvitationView(APIView):
    """Join a company with the SMS code of an invitation: set a password, get a token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(request=AcceptInvitationIn, responses={201: dict})
    def post(self, request):
        given = AcceptInvitationIn(data=request.data)
        given.is_valid(raise_exception=True)
        token, key, user = services.invitation_accept(request=request, **given.validated_data)
        return Response(issued_body(token, key, user), status=status.HTTP_201_CREATED)

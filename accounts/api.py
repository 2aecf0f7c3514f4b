from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import TokenInput, UserOut
from accounts.throttles import SignInAddressThrottle, SignInPhoneThrottle
from workers.serializers import WorkerProfileOut


class TokenView(APIView):
    """Sign in with phone number and password; get an API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [SignInPhoneThrottle, SignInAddressThrottle]

    @extend_schema(request=TokenInput, responses={200: dict})
    def post(self, request):
        given = TokenInput(data=request.data)
        given.is_valid(raise_exception=True)
        token, user = services.auth_token_issue(request=request, **given.validated_data)
        return Response({"token": token.key, "user": UserOut(user).data})


class SignOutView(APIView):
    """Revoke the caller's API token."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.auth_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The caller: roles per company and worker profile, if any."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        body = UserOut(request.user).data
        profile = getattr(request.user, "worker_profile", None)
        body["worker_profile"] = WorkerProfileOut(profile).data if profile else None
        return Response(body)

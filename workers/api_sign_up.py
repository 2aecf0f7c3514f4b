"""``POST /api/v1/auth/sign-up``: a mother (or a company admin-to-be) joins with her SMS code."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import issued_body
from accounts.serializers import SignUpIn
from accounts.sign_up import account_sign_up
from accounts.throttles import SIGN_IN_THROTTLES
from workers.sign_up import mother_sign_up


class SignUpView(APIView):
    """``intent: work`` (the default) makes a mother's account and profile: ``region`` and
    ``cares_for_child_under_12: true`` are needed. ``intent: company`` makes an account only; she then
    registers her company (``POST /api/v1/companies``). ``consent`` names the versions of the terms
    and the privacy notice she agreed to (``/legal/terms/``, ``/legal/privacy/``); an older version is
    a 400 ``consent_required`` whose details give the current ones. 201 ``{token, user, expires_at}``."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = SIGN_IN_THROTTLES

    @extend_schema(request=SignUpIn, responses={201: dict})
    def post(self, request):
        given = SignUpIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        common = {
            "request": request,
            "phone": data["phone"],
            "code": data["code"],
            "display_name": data["display_name"],
            "password": data.get("password"),
            "consent": dict(data["consent"]),
        }
        if data["intent"] == "company":
            token, key, user = account_sign_up(**common)
        else:
            token, key, user = mother_sign_up(
                **common, region=data["region"], cares_for_child_under_12=data["cares_for_child_under_12"]
            )
        return Response(issued_body(token, key, user), status=status.HTTP_201_CREATED)

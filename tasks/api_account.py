"""Her data and her account: ``GET /api/v1/me/data-export`` and ``POST /api/v1/me/delete``
(here, in tasks, because both read and change the work, the ledger and the profile below it)."""

import json

from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks.data_export import data_export_for
from tasks.services.account import account_delete


def data_export_response(user) -> HttpResponse:
    """Her data as a JSON download named ``homeslot-data-<date>.json``: the API and the pages both."""
    body = json.dumps(data_export_for(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"homeslot-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class DataExportView(APIView):
    """Everything Homeslot holds about the caller, as one JSON document (a download)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="her data, as a download")})
    def get(self, request):
        return data_export_response(request.user)


class AccountDeleteIn(serializers.Serializer):
    code = serializers.CharField(max_length=16, help_text="the SMS code sent for purpose=delete")


class AccountDeleteOut(serializers.Serializer):
    status = serializers.CharField()
    owed_fen = serializers.IntegerField(help_text="what companies still owe her: paid out as usual")


class AccountDeleteView(APIView):
    """Delete the caller's account with the SMS code sent for ``delete`` (202): personal data erased,
    ledger rows kept under an anonymous id, live claims given back, a balance still paid out."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AccountDeleteIn, responses={202: AccountDeleteOut})
    def post(self, request):
        given = AccountDeleteIn(data=request.data)
        given.is_valid(raise_exception=True)
        deletion = account_delete(user=request.user, code=given.validated_data["code"])
        if getattr(request, "session", None) is not None and request.session.session_key:
            logout(request)
        return Response({"status": "deleted", "owed_fen": deletion.owed_fen}, status=status.HTTP_202_ACCEPTED)

"""Her declared relatives: ``GET/POST /api/v1/me/relatives {phone}``, ``DELETE /api/v1/me/relatives/{id}``.

A POST answers ``201`` with the masked number for any valid mainland mobile number, registered or
not (``200`` for one she declared before): the answer never tells her whether the number has an
account. The list shows masked numbers only."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsWorker
from accounts.phones import phone_masked
from core.schema import ErrorOut
from workers import relatives


class RelativeIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32)


class RelativeOut(serializers.Serializer):
    id = serializers.IntegerField()
    phone_masked = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_phone_masked(self, relative) -> str:
        return phone_masked(relative.phone)


class RelativesView(APIView):
    permission_classes = [IsWorker]

    @extend_schema(responses=RelativeOut(many=True))
    def get(self, request):
        return Response(RelativeOut(relatives.relatives_of(request.user), many=True).data)

    @extend_schema(
        request=RelativeIn, responses={200: RelativeOut, 201: RelativeOut, 400: ErrorOut}, parameters=[HEADER_PARAMETER]
    )
    @idempotent
    def post(self, request):
        given = RelativeIn(data=request.data)
        given.is_valid(raise_exception=True)
        relative, created = relatives.relative_declare(worker=request.user, phone=given.validated_data["phone"])
        return Response(RelativeOut(relative).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RelativeView(APIView):
    permission_classes = [IsWorker]

    @extend_schema(request=None, responses={204: None, 404: ErrorOut}, parameters=[HEADER_PARAMETER])
    @idempotent
    def delete(self, request, pk):
        relatives.relative_remove(worker=request.user, relative_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

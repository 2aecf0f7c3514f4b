"""GET /api/v1/workers/{id}/history: a supervisor's view of one mother, for one company she has worked for."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSupervising
from core.ids import id_or_none
from tasks import worker_history


class _WorkerOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    phone = serializers.CharField(help_text="masked")
    city = serializers.CharField()


class _ClaimsOut(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    releases = serializers.DictField(child=serializers.IntegerField(), help_text="by release kind")


class _SubmissionsOut(serializers.Serializer):
    count = serializers.IntegerField()
    units_submitted = serializers.IntegerField()
    units_decided = serializers.IntegerField()
    units_accepted = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True, help_text="per cent of decided units")
    by_status = serializers.DictField(child=serializers.IntegerField())


class _GoldOut(serializers.Serializer):
    correct = serializers.IntegerField()
    total = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text="per cent")


class _AppealOut(serializers.Serializer):
    id = serializers.IntegerField()
    submission = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    units_before = serializers.IntegerField()
    units_after = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class _AppealsOut(serializers.Serializer):
    by_status = serializers.DictField(child=serializers.IntegerField())
    list = _AppealOut(many=True)


class _LevelOut(serializers.Serializer):
    skill = serializers.IntegerField()
    skill_name = serializers.CharField()
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    below_since = serializers.DateTimeField(allow_null=True)


class _LevelChangeOut(serializers.Serializer):
    skill = serializers.IntegerField()
    skill_name = serializers.CharField()
    from_level = serializers.IntegerField()
    to_level = serializers.IntegerField()
    cause = serializers.CharField()
    at = serializers.DateTimeField()


class _WeekOut(serializers.Serializer):
    week = serializers.DateField(help_text="the week's Monday")
    accepted_units = serializers.IntegerField()


class _ActivityOut(serializers.Serializer):
    at = serializers.DateTimeField()
    what = serializers.ChoiceField(choices=["claim", "submission"])
    status = serializers.CharField()
    release_kind = serializers.CharField()
    project = serializers.CharField()
    task = serializers.IntegerField()


class WorkerHistoryOut(serializers.Serializer):
    worker = _WorkerOut()
    company = serializers.IntegerField()
    claims = _ClaimsOut()
    submissions = _SubmissionsOut()
    gold = _GoldOut()
    appeals = _AppealsOut()
    levels = _LevelOut(many=True)
    level_changes = _LevelChangeOut(many=True)
    weeks = _WeekOut(many=True)
    recent = _ActivityOut(many=True)


class WorkerHistoryView(APIView):
    """Her history with one company the caller supervises; 404 unless she has worked for it."""

    permission_classes = [IsSupervising]

    @extend_schema(
        responses=WorkerHistoryOut,
        parameters=[OpenApiParameter("company", int, description="needed when you supervise several of her companies")],
    )
    def get(self, request, pk):
        given = request.query_params.get("company")
        company_id = id_or_none(given) if given is not None else None
        if given is not None and company_id is None:
            raise Http404
        company = worker_history.history_company(request.user, pk, company_id)
        if company is None:
            raise Http404
        return Response(WorkerHistoryOut(worker_history.worker_history(worker_id=pk, company_id=company)).data)

"""Appeals over the API: her appeal of a reject or a partial, the list (staff: to decide; a mother:
hers) and the decision."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsSupervising, IsWorker
from accounts.selectors import display_name_of
from core.fields import StrictIntegerField
from core.serializers import ModelSerializer
from tasks import selectors, services
from tasks.models import MAX_APPEAL_REASON, Appeal, AppealStatus


class AppealIn(serializers.Serializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=MAX_APPEAL_REASON)


class AppealDecideIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[(d, d) for d in services.APPEAL_DECISIONS])
    accepted_units = StrictIntegerField(required=False, allow_null=True, min_value=0)
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=MAX_APPEAL_REASON)


class AppealOut(ModelSerializer):
    """One appeal: her reason, the first decision (``decision``, ``first_reason``), the units before and
    after, who is asked to decide and the outcome (``decision_reason``)."""

    project = serializers.IntegerField(source="submission.project_id", read_only=True)
    project_title = serializers.CharField(source="submission.project.title", read_only=True)
    decision = serializers.CharField(source="review.decision", read_only=True)
    first_reason = serializers.CharField(source="review.reason", read_only=True)
    submitted_units = serializers.IntegerField(source="submission.submitted_units", read_only=True)
    assigned_to_name = serializers.SerializerMethodField()
    worker_name = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "submission",
            "project",
            "project_title",
            "decision",
            "first_reason",
            "reason",
            "status",
            "submitted_units",
            "units_before",
            "units_after",
            "assigned_to",
            "assigned_to_name",
            "worker",
            "worker_name",
            "decision_reason",
            "created_at",
            "decided_at",
        ]

    def get_assigned_to_name(self, appeal) -> str | None:
        return display_name_of(appeal.assigned_to) if appeal.assigned_to_id else None

    def get_worker_name(self, appeal) -> str:
        return display_name_of(appeal.worker)


class SubmissionAppealView(APIView):
    """``{reason}``: her appeal of a reject or a partial, once, within 7 days of the decision."""

    permission_classes = [IsWorker]

    @extend_schema(request=AppealIn, responses={201: AppealOut}, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request, pk):
        given = AppealIn(data=request.data)
        given.is_valid(raise_exception=True)
        appeal = services.submission_appeal(worker=request.user, submission_id=pk, **given.validated_data)
        return Response(AppealOut(_read(request.user, appeal.pk)).data, status=status.HTTP_201_CREATED)


class AppealListView(generics.ListAPIView):
    """Staff: their companies' appeals, the ones asked of them first; a mother: hers."""

    permission_classes = [IsAuthenticated]
    serializer_class = AppealOut

    def get_queryset(self):
        wanted = self.request.query_params.get("status")
        return selectors.appeals_for(self.request.user, status=wanted if wanted in AppealStatus.values else None)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=AppealStatus.values, description="only appeals in this status")
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AppealDecideView(APIView):
    """``{decision: uphold | overturn | adjust, accepted_units?, reason}``."""

    permission_classes = [IsSupervising]

    @extend_schema(request=AppealDecideIn, responses=AppealOut, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request, pk):
        given = AppealDecideIn(data=request.data)
        if not given.is_valid():
            get_object_or_404(selectors.appeals_for(request.user), pk=pk)  # not hers to see: a 404 first
            given.is_valid(raise_exception=True)
        appeal = services.appeal_decide(actor=request.user, appeal_id=pk, **given.validated_data)
        return Response(AppealOut(_read(request.user, appeal.pk)).data)


def _read(user, appeal_id: int) -> Appeal:
    return selectors.appeals_for(user).get(pk=appeal_id)

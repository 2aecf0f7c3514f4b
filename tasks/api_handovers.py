"""``/api/v1/tasks/{id}/handovers``: an assembly batch's materials and pieces (tasks.models.handovers).

``POST`` (a supervisor or company admin of its company, with an ``Idempotency-Key``) records one:
``{kind: issue, units, parts?, point?, note?}``, ``{kind: return, units, unused?, point?, note?}`` or
``{kind: qc, units (accepted), defects: [{reason, count}], point?, note?}``. ``GET`` lists them with
what they add up to: for the company's staff every hand-over of the batch, for the mother her own."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsSupervising
from accounts.selectors import company_ids_for
from core.schema import ErrorOut
from tasks import handovers, services
from tasks.models import LIVE_CLAIM_STATUSES, Handover, HandoverKind, Task


class _Counted(serializers.Serializer):
    count = serializers.IntegerField(min_value=1)


class PartIn(_Counted):
    name = serializers.CharField(max_length=handovers.MAX_NAME)


class DefectIn(_Counted):
    reason = serializers.CharField(max_length=handovers.MAX_NAME)


class HandoverIn(serializers.Serializer):
    """The shape only (the schema); the service checks the values, for the page and the API alike."""

    kind = serializers.ChoiceField(choices=HandoverKind.choices)
    units = serializers.IntegerField(help_text="issue: pieces' worth issued; return: finished pieces; qc: accepted")
    unused = serializers.IntegerField(required=False, help_text="return: kit brought back unmade (pieces' worth)")
    parts = PartIn(many=True, required=False)
    defects = DefectIn(many=True, required=False)
    point = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class HandoverOut(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.display_name")

    class Meta:
        model = Handover
        fields = [
            "id",
            "kind",
            "task",
            "claim",
            "units",
            "unused",
            "missing",
            "parts",
            "defects",
            "point",
            "note",
            "submission",
            "review",
            "recorded_by",
            "recorded_at",
        ]


_FIELDS = ("kind", "units", "unused", "parts", "defects", "point", "note")


class TaskHandoversView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict, 404: ErrorOut})
    def get(self, request, pk):
        companies = company_ids_for(request.user)
        task = get_object_or_404(
            Task.objects.filter(Q(project__company_id__in=companies) | Q(claims__worker=request.user))
            .select_related("project")
            .distinct(),
            pk=pk,
        )
        rows = handovers.for_task(task.pk)
        live = task.claims.filter(status__in=LIVE_CLAIM_STATUSES).first()
        if task.project.company_id not in companies:
            # Hers only: nobody else's batch, nobody else's name.
            rows = rows.filter(worker=request.user)
            live = live if live is not None and live.worker_id == request.user.pk else None
        rows = list(rows)
        current = [row for row in rows if live is not None and row.claim_id == live.pk]
        return Response(
            {
                "task": {"id": task.pk, "number": task.number, "units": task.units, "project": task.project_id},
                "claim": live.pk if live is not None else None,
                "materials": handovers.materials_of(current).as_dict(),
                "handovers": HandoverOut(rows, many=True).data,
            }
        )

    @extend_schema(
        request=HandoverIn, responses={201: HandoverOut, 400: ErrorOut, 409: ErrorOut}, parameters=[HEADER_PARAMETER]
    )
    @idempotent
    def post(self, request, pk):
        if not IsSupervising().has_permission(request, self):
            self.permission_denied(request)
        given = HandoverIn(data=request.data)
        given.is_valid(raise_exception=True)
        handover = services.handover_record(
            actor=request.user, task_id=pk, **{k: v for k, v in given.validated_data.items() if k in _FIELDS}
        )
        return Response(HandoverOut(handover).data, status=status.HTTP_201_CREATED)

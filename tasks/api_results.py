"""``GET /api/v1/projects/{id}/results``: what a project's work gave back (``tasks.results``), a page at a
time, for the company's staff. ``?state=accepted`` (default) or ``all``. The same as a file
(``tasks.results_export``): ``…/results/export`` streamed, ``…/results/exports`` built in the background.
``GET …/quality``: how good a labelling project's labels are (``tasks.quality``)."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsCompanyStaff
from core.errors import ExportNotReady, Invalid
from core.export_jobs import ExportStatus
from core.file_responses import FILE_RESPONSES, FileNegotiation, file_download
from core.schema import ErrorOut
from tasks import quality, results, results_export, results_export_requests, selectors
from tasks.errors import InvalidResultsState, ResultsExportTooLarge
from tasks.models import Kind, ResultsExport
from tasks.project_serializers import ResultsExportIn, ResultsExportOut


class ProjectResultsView(generics.GenericAPIView):
    permission_classes = [IsCompanyStaff]

    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("state", str, enum=list(results.STATES), description="accepted (default) or all")],
    )
    def get(self, request, pk):
        project = get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        state = request.query_params.get("state", "accepted")
        if state not in results.STATES:
            raise InvalidResultsState(details={"field": "state"})
        page = self.paginate_queryset(results.source(project, state=state))
        response = self.get_paginated_response(results.rows_for(project, page))
        response.data = {"project": project.pk, "kind": project.kind, "state": state, **response.data}
        return response


# --- the results as a file ------------------------------------------------------------------------


def _staff_project(request, pk):
    return get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)


class ProjectResultsExportView(APIView):
    """``?format=csv|jsonl|xlsx&state=accepted|all``: the results as a file, streamed. A project with more
    rows than ``HOMESLOT_RESULTS_EXPORT_INLINE_MAX`` answers 409 ``results_export_too_large``: ask for
    the file to be built (``POST …/results/exports``)."""

    permission_classes = [IsCompanyStaff]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(results_export.FORMATS)),
            OpenApiParameter("state", str, enum=list(results.STATES), description="accepted (default) or all"),
        ],
        responses={**FILE_RESPONSES, (200, "application/x-ndjson"): bytes, 400: ErrorOut, 409: ErrorOut},
    )
    def get(self, request, pk):
        project = _staff_project(request, pk)
        kind, state = request.query_params.get("format", "csv"), request.query_params.get("state", "accepted")
        results_export_requests.check_choice(kind=kind, state=state)
        rows = results_export.row_count(project, state=state)
        if rows > settings.HOMESLOT_RESULTS_EXPORT_INLINE_MAX:
            raise ResultsExportTooLarge(
                details={
                    "rows": rows,
                    "inline_max": settings.HOMESLOT_RESULTS_EXPORT_INLINE_MAX,
                    "exports": f"/api/v1/projects/{project.pk}/results/exports",
                }
            )
        return results_export.response(project, state=state, kind=kind)


class ProjectResultsExportsView(APIView):
    """Build the results file in the background (any size): 202 with the export, to poll and download."""

    permission_classes = [IsCompanyStaff]

    @extend_schema(
        request=ResultsExportIn, responses={202: ResultsExportOut, 400: ErrorOut}, parameters=[HEADER_PARAMETER]
    )
    @idempotent
    def post(self, request, pk):
        given = ResultsExportIn(data=request.data)
        given.is_valid(raise_exception=True)
        export = results_export_requests.results_export_request(
            actor=request.user,
            project_id=_staff_project(request, pk).pk,
            kind=given.validated_data["format"],
            state=given.validated_data["state"],
        )
        return Response(ResultsExportOut(export).data, status=status.HTTP_202_ACCEPTED)


def _export_for(request, pk, export_id) -> ResultsExport:
    """An export of one of the caller's companies' projects; anyone else's is a 404."""
    exports = ResultsExport.objects.filter(project__in=selectors.projects_for_staff(request.user), project_id=pk)
    return get_object_or_404(exports.select_related("project"), pk=export_id)


class ResultsExportDetailView(APIView):
    permission_classes = [IsCompanyStaff]

    @extend_schema(responses=ResultsExportOut)
    def get(self, request, pk, export_id):
        return Response(ResultsExportOut(_export_for(request, pk, export_id)).data)


class ResultsExportDownloadView(APIView):
    permission_classes = [IsCompanyStaff]
    content_negotiation_class = FileNegotiation

    @extend_schema(responses={**FILE_RESPONSES, (200, "application/x-ndjson"): bytes, 409: ErrorOut})
    def get(self, request, pk, export_id):
        export = _export_for(request, pk, export_id)
        if export.status != ExportStatus.READY:
            raise ExportNotReady(details={"status": export.status})
        stem = results_export.file_stem(export.project, state=export.state, on=timezone.localdate(export.created_at))
        return file_download(export.file, kind=export.format, filename=f"{stem}.{export.format}")


class ProjectQualityView(generics.GenericAPIView):
    """``GET /api/v1/projects/{id}/quality``: agreement (Krippendorff's alpha), gold accuracy and the
    flagged hand-ins of a labelling project (``tasks.quality``), for the company's staff."""

    permission_classes = [IsCompanyStaff]

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        project = get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        if project.kind != Kind.LABELLING:
            raise Invalid(_("Only a labelling project has quality figures."), details={"kind": project.kind})
        return Response(quality.project_quality(project))

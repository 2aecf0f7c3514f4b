"""``GET /api/v1/projects/{id}/results``: what a project's work gave back (``tasks.results``), a page at a
time, for the company's staff. ``?state=accepted`` (default) or ``all``. ``GET …/quality``: how good a
labelling project's labels are (``tasks.quality``)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from accounts.permissions import IsCompanyStaff
from core.errors import Invalid
from tasks import quality, results, selectors
from tasks.models import Kind


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
            raise Invalid(_("state is accepted or all."), details={"field": "state"})
        page = self.paginate_queryset(results.source(project, state=state))
        response = self.get_paginated_response(results.rows_for(project, page))
        response.data = {"project": project.pk, "kind": project.kind, "state": state, **response.data}
        return response


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

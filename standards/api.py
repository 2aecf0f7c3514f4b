"""The standard's API: a company's indicators for anyone signed in, and the programme figures for a
programme observer (aggregated, suppressed below 5 mothers; as JSON, CSV or XLSX)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Company
from core.errors import InvalidFormat
from core.file_responses import FILE_RESPONSES, FileNegotiation, file_response
from core.schema import ErrorOut
from standards import programme
from standards.errors import NotProgrammeObserver
from standards.selectors import standing_shown
from standards.serializers import CompanyQualityOut, FiguresOut
from standards.services import standing_kept


class CompanyQualityView(APIView):
    """The company's 妈妈岗 standard over the last 90 days: each indicator, its rule, and the badge."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: CompanyQualityOut, 404: ErrorOut})
    def get(self, request, pk):
        company = get_object_or_404(Company, pk=pk)
        standing = standing_kept(company_id=company.pk)
        return Response(CompanyQualityOut(standing_shown(standing) | {"name": company.name}).data)


class IsProgrammeObserver(BasePermission):
    def has_permission(self, request, view):
        if programme.observer_of(request.user) is None:
            raise NotProgrammeObserver()
        return True


_PARAMETERS = [
    OpenApiParameter("region", str, description="a province or city of your account (default: its first)"),
    OpenApiParameter("from", str, description="first month, YYYY-MM (default: five months before `to`)"),
    OpenApiParameter("to", str, description="last month, YYYY-MM (default: this month)"),
]


def _figures(request) -> dict:
    observer = programme.observer_of(request.user)
    region, months = programme.asked(observer, request.query_params)
    return programme.figures(region=region, months=months) | {"regions": observer.regions}


class ProgrammeFiguresView(APIView):
    """By region and month: active mothers, hours, earnings (median, quartiles), companies and their
    standard, work at or above the floor, settlement on time, appeals. No person: a cell of fewer than
    5 mothers is suppressed, and so is what would let a total reveal it."""

    permission_classes = [permissions.IsAuthenticated, IsProgrammeObserver]

    @extend_schema(parameters=_PARAMETERS, responses={200: FiguresOut, 400: ErrorOut, 403: ErrorOut})
    def get(self, request):
        return Response(FiguresOut(_figures(request)).data)


class ProgrammeFiguresExportView(APIView):
    """``?format=csv|xlsx``: the same figures as a sheet, the same suppression."""

    permission_classes = [permissions.IsAuthenticated, IsProgrammeObserver]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[*_PARAMETERS, OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={**FILE_RESPONSES, 400: ErrorOut, 403: ErrorOut},
    )
    def get(self, request):
        kind = request.query_params.get("format", "csv")
        if kind not in ("csv", "xlsx"):
            raise InvalidFormat(details={"field": "format"})
        found = _figures(request)
        header, lines = programme.table(found)
        name = f"homeslot-programme-{found['region']}-{found['from_month']}-{found['to_month']}"
        return file_response(kind=kind, header=header, pages=[lines], name=name, sheet="figures")

"""The API of the ledger's files (finance, admin): the ledger of a period streamed, the
reconciliation, and the large workbook built in the background."""

import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsFinance
from core.errors import ExportNotReady
from core.export_jobs import ExportStatus
from core.file_responses import FILE_RESPONSES, XLSX, FileNegotiation, file_download
from core.schema import ErrorOut
from ledger import export_requests, exports, periods, selectors
from ledger.api_common import (
    _company_param,
    _file_response,
    _finance_company,
    _finance_object,
    _period,
    _valid,
)
from ledger.models import LedgerExport
from ledger.serializers import ExportRequestIn, LedgerExportOut


class LedgerExportView(APIView):
    """Ledger entries of a period (``?from=&to=&company=&format=csv|xlsx``), streamed."""

    permission_classes = [IsFinance]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str),
            OpenApiParameter("to", str),
            OpenApiParameter("company", int),
            OpenApiParameter("format", str, enum=["csv", "xlsx"]),
        ],
        responses=FILE_RESPONSES,
    )
    def get(self, request):
        first, last = _period(request)
        raw_company = request.query_params.get("company")
        company_id = _finance_company(request, _company_param(raw_company))
        window = {
            "company_ids": [company_id],
            "since": periods.day_start(first),
            "before": periods.day_start(last + datetime.timedelta(days=1)),
        }
        name = f"ledger-{company_id}-{first:%Y%m%d}-{last:%Y%m%d}"
        return _file_response(
            request,
            header=exports.ledger_header(),
            pages=(exports.ledger_sheet_pages if request.query_params.get("format") == "xlsx" else iter)(
                exports.ledger_pages(**window)
            ),
            csv_blocks=exports.ledger_copy_blocks(**window) if connection.vendor == "postgresql" else None,
            name=name,
            sheet=_("ledger"),
        )


class ReconciliationView(APIView):
    """Opening + credits − debits = closing per mother and in total for ``?from=&to=&company=``;
    ``?format=csv|xlsx`` gives the same as a file."""

    permission_classes = [IsFinance]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str),
            OpenApiParameter("to", str),
            OpenApiParameter("company", int),
            OpenApiParameter("format", str, enum=["csv", "xlsx"]),
        ],
        responses={200: dict, **FILE_RESPONSES},
    )
    def get(self, request):
        first, last = _period(request)
        raw_company = request.query_params.get("company")
        company_id = _finance_company(request, _company_param(raw_company))
        report = selectors.reconciliation(
            company_id=company_id,
            since=periods.day_start(first),
            before=periods.day_start(last + datetime.timedelta(days=1)),
        )
        if "format" in request.query_params:
            return _file_response(
                request,
                header=exports.reconciliation_header(),
                pages=[exports.reconciliation_rows(report)],
                name=f"reconciliation-{company_id}-{first:%Y%m%d}-{last:%Y%m%d}",
                sheet=_("Reconciliation"),
            )
        overdue = selectors.overdue_settlements(company_id=company_id, now=timezone.now())
        return Response(
            {
                "company": company_id,
                "from": first.isoformat(),
                "to": last.isoformat(),
                **report,
                "overdue": overdue,
                "overdue_fen": sum(row["overdue_fen"] for row in overdue),
            }
        )


class LedgerExportsView(APIView):
    """Queue a large ledger workbook (XLSX) for a period; poll it, then download it."""

    permission_classes = [IsFinance]

    @extend_schema(request=ExportRequestIn, responses={202: LedgerExportOut})
    def post(self, request):
        fields = _valid(ExportRequestIn, request)
        company_id = _finance_company(request, fields.pop("company", None))
        export = export_requests.export_request(actor=request.user, company_id=company_id, **fields)
        return Response(LedgerExportOut(export).data, status=status.HTTP_202_ACCEPTED)


def _export_for(request, pk) -> LedgerExport:
    return _finance_object(request, LedgerExport, pk)


class LedgerExportDetailView(APIView):
    permission_classes = [IsFinance]

    @extend_schema(responses=LedgerExportOut)
    def get(self, request, pk):
        return Response(LedgerExportOut(_export_for(request, pk)).data)


class LedgerExportDownloadView(APIView):
    permission_classes = [IsFinance]
    content_negotiation_class = FileNegotiation

    @extend_schema(responses={(200, XLSX): bytes, 409: ErrorOut})  # 409: not built yet
    def get(self, request, pk):
        export = _export_for(request, pk)
        if export.status != ExportStatus.READY:
            raise ExportNotReady(details={"status": export.status})
        name = f"ledger-{export.company_id}-{export.period_start:%Y%m%d}-{export.period_end:%Y%m%d}.xlsx"
        return file_download(export.file, kind="xlsx", filename=name)

import datetime

from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import CompanyRequired
from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsFinance, IsWorker
from accounts.selectors import FINANCE_ROLES, company_ids_for
from core.errors import NotFound
from core.schema import ErrorOut
from ledger import adjustments, export_requests, exports, files, payouts, periods, reversals, selectors
from ledger.errors import ExportNotReady, InvalidFormat, InvalidPeriod
from ledger.filters import EntryFilter
from ledger.models import AdjustmentRequest, AdjustmentStatus, ExportStatus, LedgerExport, PayoutBatch, Transaction
from ledger.money import format_fen
from ledger.serializers import (
    AdjustmentIn,
    AdjustmentRejectIn,
    AdjustmentRequestOut,
    ExportRequestIn,
    FinancePostingOut,
    LedgerExportOut,
    MarkPaidIn,
    PayoutBatchDetail,
    PayoutBatchOut,
    PayoutDraftIn,
    PostingOut,
    ReverseIn,
    TransactionOut,
)


class EarningsView(APIView):
    """A mother's balance per company, recent postings and credits by week (last 8)."""

    permission_classes = [IsWorker]

    @extend_schema(responses={200: dict})
    def get(self, request):
        balances = selectors.balances_for_worker(request.user)
        for row in balances:
            row["balance_display"] = format_fen(row["balance_fen"])
            row["credited_display"] = format_fen(row["credited_fen"])
        weeks = selectors.weekly_totals_for_worker(request.user, today=timezone.localdate())
        recent = selectors.payable_postings_for_worker(request.user)[:50]
        total = sum(r["balance_fen"] for r in balances)
        return Response(
            {
                "balance_fen": total,
                "balance_display": format_fen(total),
                "companies": balances,
                "weeks": [
                    {**w, "week_start": w["week_start"].isoformat(), "credited_display": format_fen(w["credited_fen"])}
                    for w in weeks
                ],
                "this_week_fen": weeks[-1]["credited_fen"],
                "last_week_fen": weeks[-2]["credited_fen"],
                "recent": PostingOut(recent, many=True).data,
            }
        )


class LedgerEntriesView(generics.ListAPIView):
    """Postings of the caller's companies (finance, admin): ``?from=&to=&worker=&project=``."""

    permission_classes = [IsFinance]
    serializer_class = FinancePostingOut
    filterset_class = EntryFilter

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="first date, YYYY-MM-DD (Asia/Shanghai)"),
            OpenApiParameter("to", str, description="last date, YYYY-MM-DD, inclusive"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.entries_for_finance(self.request.user).select_related("account__worker__worker_profile")


# --- finance: payouts, adjustments, reversals, reconciliation, exports ---------------------


def _finance_company(request, given: int | None) -> int:
    companies = company_ids_for(request.user, FINANCE_ROLES)
    if given is None:
        if len(companies) != 1:
            raise CompanyRequired()
        return companies[0]
    if given not in companies:
        raise NotFound()
    return given


def _company_param(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise CompanyRequired()
    return int(raw)


def _valid(serializer_class, request, data=None) -> dict:
    given = serializer_class(data=request.data if data is None else data)
    given.is_valid(raise_exception=True)
    return given.validated_data


def _period(request) -> tuple[datetime.date, datetime.date]:
    """``?from=&to=`` (inclusive dates, Asia/Shanghai); default: the last half-month that ended."""
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    if raw_from is None and raw_to is None:
        return periods.last_ended_half_month(timezone.localdate())
    try:
        first, last = datetime.date.fromisoformat(raw_from or ""), datetime.date.fromisoformat(raw_to or "")
    except ValueError:
        raise InvalidPeriod(_("Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD.")) from None
    if not (first >= periods.FIRST_DAY and last <= periods.LAST_DAY):
        raise InvalidPeriod(_("Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD."))
    if last < first or (last - first).days > 366:
        raise InvalidPeriod(_("The period runs forward and lasts at most a year."))
    return first, last


class FileNegotiation(BaseContentNegotiation):
    """``?format=csv|xlsx`` names the file to build, not a DRF renderer: errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _file_kind(request) -> str:
    kind = request.query_params.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise InvalidFormat()
    return kind


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What ``_file_response`` answers, as the schema says it.
FILE_RESPONSES = {(200, "text/csv"): bytes, (200, XLSX): bytes}


def _file_response(request, *, header, pages, name: str, sheet: str, csv_blocks=None):
    kind = _file_kind(request)
    if kind == "csv":
        stream = files.blocks_stream(header, csv_blocks) if csv_blocks else files.csv_stream(header, pages)
        response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
        filename = f"{name}.csv"
    elif kind == "xlsx":
        handle = files.xlsx_file(header, pages, sheet=sheet)
        response = StreamingHttpResponse(files.file_stream(handle), content_type=XLSX)
        filename = f"{name}.xlsx"
    else:
        raise InvalidFormat()
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PayoutListView(generics.ListAPIView):
    """Payout batches of the caller's companies (finance, admin); POST drafts one."""

    permission_classes = [IsFinance]
    serializer_class = PayoutBatchOut
    filterset_fields = {"company": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PayoutBatch.objects.none()
        return PayoutBatch.objects.filter(company_id__in=company_ids_for(self.request.user, FINANCE_ROLES))

    @extend_schema(request=PayoutDraftIn, responses={201: PayoutBatchDetail}, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request):
        fields = _valid(PayoutDraftIn, request)
        company_id = _finance_company(request, fields.pop("company", None))
        batch = payouts.payout_draft(actor=request.user, company_id=company_id, **fields)
        return Response(PayoutBatchDetail(batch).data, status=status.HTTP_201_CREATED)


def _finance_object(request, model, pk):
    """A batch or an export of the caller's finance companies; anyone else's is a 404."""
    companies = company_ids_for(request.user, FINANCE_ROLES)
    return get_object_or_404(model.objects.filter(company_id__in=companies), pk=pk)


def _batch_for(request, pk) -> PayoutBatch:
    return _finance_object(request, PayoutBatch, pk)


class PayoutDetailView(APIView):
    permission_classes = [IsFinance]

    @extend_schema(responses=PayoutBatchDetail)
    def get(self, request, pk):
        return Response(PayoutBatchDetail(_batch_for(request, pk)).data)


class PayoutActionView(APIView):
    permission_classes = [IsFinance]
    action_name = ""

    @extend_schema(request=None, responses=PayoutBatchDetail)
    def post(self, request, pk):
        _batch_for(request, pk)
        if self.action_name == "approve":
            batch = payouts.payout_approve(actor=request.user, batch_id=pk)
        elif self.action_name == "cancel":
            batch = payouts.payout_cancel(actor=request.user, batch_id=pk)
        else:
            reference = _valid(MarkPaidIn, request)["reference"]
            batch = payouts.payout_mark_paid(actor=request.user, batch_id=pk, reference=reference)
        return Response(PayoutBatchDetail(batch).data)


class PayoutMarkPaidView(PayoutActionView):
    permission_classes = [IsFinance]
    action_name = "mark-paid"

    @extend_schema(request=MarkPaidIn, responses=PayoutBatchDetail)
    def post(self, request, pk):
        return super().post(request, pk)


class PayoutExportView(APIView):
    """The payout file (``?format=csv|xlsx``) of an approved batch; the first download marks it exported."""

    permission_classes = [IsFinance]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={**FILE_RESPONSES, 409: ErrorOut},  # 409: a batch not approved yet
    )
    def get(self, request, pk):
        found = _batch_for(request, pk)
        _file_kind(request)  # an unknown format changes nothing
        batch = payouts.payout_mark_exported(actor=request.user, batch_id=found.pk)
        name = f"payout-{batch.company_id}-{batch.period_start:%Y%m%d}-{batch.period_end:%Y%m%d}-{batch.pk}"
        return _file_response(
            request,
            header=exports.payout_header(),
            pages=exports.payout_pages(batch),
            name=name,
            sheet=_("payout"),
        )


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
            pages=exports.ledger_pages(**window),
            csv_blocks=exports.ledger_copy_blocks(**window) if connection.vendor == "postgresql" else None,
            name=name,
            sheet=_("ledger"),
        )


class AdjustmentView(generics.ListAPIView):
    """GET: the adjustments of the caller's companies, those waiting for approval first.
    POST: a bonus or a deduction for one mother, with a reason (finance, admin): 201 with the
    transaction when it is posted at once, 202 with the waiting request above the approval
    threshold; the same ``key`` and body again answers the first result with 200."""

    permission_classes = [IsFinance]
    serializer_class = AdjustmentRequestOut
    filterset_fields = {"company": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AdjustmentRequest.objects.none()
        return selectors.adjustments_for_finance(self.request.user)

    @extend_schema(
        request=AdjustmentIn,
        responses={
            201: TransactionOut,
            202: AdjustmentRequestOut,
            200: PolymorphicProxySerializer(
                component_name="AdjustmentFirstResult",
                serializers=[TransactionOut, AdjustmentRequestOut],
                resource_type_field_name=None,
            ),
        },
        parameters=[HEADER_PARAMETER],
    )
    @idempotent
    def post(self, request):
        fields = _valid(AdjustmentIn, request)
        company_id = _finance_company(request, fields.pop("company", None))
        adjustment, created = adjustments.adjustment_request(
            actor=request.user,
            company_id=company_id,
            worker_id=fields["worker"],
            amount_fen=fields["amount_fen"],
            reason=fields["reason"],
            key=fields.get("key"),
        )
        if adjustment.status == AdjustmentStatus.POSTED:
            body, first = TransactionOut(adjustment.transaction).data, status.HTTP_201_CREATED
        else:
            body, first = AdjustmentRequestOut(adjustment).data, status.HTTP_202_ACCEPTED
        return Response(body, status=first if created else status.HTTP_200_OK)


class AdjustmentActionView(APIView):
    """Approve a waiting adjustment (a finance user who neither asked for it nor receives it): it is posted."""

    permission_classes = [IsFinance]
    action_name = "approve"

    @extend_schema(request=None, responses=AdjustmentRequestOut)
    def post(self, request, pk):
        _finance_object(request, AdjustmentRequest, pk)
        if self.action_name == "approve":
            adjustment = adjustments.adjustment_approve(actor=request.user, request_id=pk)
        else:
            reason = _valid(AdjustmentRejectIn, request)["reason"]
            adjustment = adjustments.adjustment_reject(actor=request.user, request_id=pk, reason=reason)
        return Response(AdjustmentRequestOut(adjustment).data)


class AdjustmentRejectView(AdjustmentActionView):
    """Turn a waiting adjustment down, with a reason: nothing is posted."""

    permission_classes = [IsFinance]
    action_name = "reject"

    @extend_schema(request=AdjustmentRejectIn, responses=AdjustmentRequestOut)
    def post(self, request, pk):
        return super().post(request, pk)


class ReverseView(APIView):
    """Reverse a wrong credit or adjustment: a new transaction that points at it."""

    permission_classes = [IsFinance]

    @extend_schema(request=ReverseIn, responses={201: TransactionOut})
    def post(self, request, pk):
        reason = _valid(ReverseIn, request)["reason"]
        companies = company_ids_for(request.user, FINANCE_ROLES)
        get_object_or_404(Transaction.objects.filter(company_id__in=companies), pk=pk)
        txn, created = reversals.transaction_reverse(actor=request.user, transaction_id=pk, reason=reason)
        return Response(TransactionOut(txn).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


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
        handle = open(export.file, "rb")  # noqa: SIM115 - closed by file_stream when sent
        response = StreamingHttpResponse(files.file_stream(handle), content_type=XLSX)
        name = f"ledger-{export.company_id}-{export.period_start:%Y%m%d}-{export.period_end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

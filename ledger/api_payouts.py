"""The API of payout batches (finance, admin): list and draft, approve, cancel, mark paid, and the
bank file."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsFinance
from accounts.selectors import FINANCE_ROLES, company_ids_for
from core.file_responses import FILE_RESPONSES, FileNegotiation
from core.schema import ErrorOut
from ledger import bank_file, exports, payouts
from ledger.api_common import (
    _file_kind,
    _file_response,
    _finance_company,
    _finance_object,
    _valid,
)
from ledger.models import PayoutBatch
from ledger.serializers import MarkPaidIn, PayoutBatchDetail, PayoutBatchOut, PayoutDraftIn


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


# ``?format=bank`` is the bank file as CSV, ``bank-xlsx`` the same as a workbook.
BANK_FORMATS = {"bank": "csv", "bank-xlsx": "xlsx"}


class PayoutExportView(APIView):
    """The payout file (``?format=csv|xlsx``, masked) of an approved batch, or its bank file
    (``?format=bank`` CSV, ``bank-xlsx``: full account numbers, approved or exported batches only,
    audited, not for a finance user paid in it); the first download marks the batch exported."""

    permission_classes = [IsFinance]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx", *BANK_FORMATS])],
        # 403: the bank file for a finance user paid in the batch; 409: a batch not approved yet
        responses={**FILE_RESPONSES, 403: ErrorOut, 409: ErrorOut},
    )
    def get(self, request, pk):
        found = _batch_for(request, pk)
        kind = request.query_params.get("format", "csv")
        if kind in BANK_FORMATS:
            batch, paid = payouts.payout_bank_file(actor=request.user, batch_id=found.pk, file_format=kind)
            return _file_response(
                request,
                header=bank_file.HEADER,
                pages=bank_file.bank_pages(batch, paid_ids=paid),
                name=f"bank-{batch.company_id}-{batch.period_start:%Y%m%d}-{batch.period_end:%Y%m%d}-{batch.pk}",
                sheet="批量代发",
                kind=BANK_FORMATS[kind],
            )
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

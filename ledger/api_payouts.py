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
from core.schema import ErrorOut
from ledger import exports, payouts
from ledger.api_common import (
    FILE_RESPONSES,
    FileNegotiation,
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

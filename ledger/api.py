"""The ledger's API: a mother's earnings, the entries of the caller's companies, and the finance
writes on them (adjustments, reversals). Payout batches: ledger/api_payouts.py; files and the
reconciliation: ledger/api_exports.py."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsFinance, IsWorker
from accounts.selectors import FINANCE_ROLES, company_ids_for
from ledger import adjustments, reversals, selectors
from ledger.api_common import _finance_company, _finance_object, _valid
from ledger.filters import EntryFilter
from ledger.models import AdjustmentRequest, AdjustmentStatus, Transaction
from ledger.money import format_fen
from ledger.serializers import (
    AdjustmentIn,
    AdjustmentRejectIn,
    AdjustmentRequestOut,
    FinancePostingOut,
    PostingOut,
    ReverseIn,
    TransactionOut,
)


class EarningsView(APIView):
    """A mother's balance per company, recent postings and credits by week (last 8)."""

    permission_classes = [IsWorker]

    @extend_schema(responses={200: dict})
    def get(self, request):
        today = timezone.localdate()
        balances = selectors.balances_for_worker(request.user)
        due = selectors.expected_pay_dates(request.user, balances, today=today)
        for row in balances:
            row["balance_display"] = format_fen(row["balance_fen"])
            row["credited_display"] = format_fen(row["credited_fen"])
            # By the company's settlement schedule; null when nothing is owed.
            row["expected_by"] = due[row["company"]].isoformat() if row["company"] in due else None
        weeks = selectors.weekly_totals_for_worker(request.user, today=today)
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


# --- finance: adjustments and reversals (payouts: api_payouts.py; files: api_exports.py) ----


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

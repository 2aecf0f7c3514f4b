from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsFinance, IsWorker
from ledger import selectors
from ledger.filters import EntryFilter
from ledger.money import format_fen
from ledger.serializers import FinancePostingOut, PostingOut


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

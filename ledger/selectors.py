"""Reads of the ledger, always scoped to the caller."""

import datetime

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncWeek

from accounts.selectors import FINANCE_ROLES, company_ids_for
from ledger.models import AccountKind, Direction, Posting

# Signed for a payable account: credits increase what the company owes her.
_SIGNED = Case(
    When(direction=Direction.CREDIT, then=F("amount_fen")),
    default=-F("amount_fen"),
    output_field=IntegerField(),
)


def payable_postings_for_worker(user):
    return (
        Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=user)
        .select_related("transaction", "transaction__project", "transaction__task", "account__company")
        .order_by("-created_at", "-id")
    )


def balances_for_worker(user) -> list[dict]:
    """Per company: balance, total credited, total paid out (fen)."""
    rows = (
        Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=user)
        .values("account__company_id", "account__company__name")
        .annotate(
            balance=Coalesce(Sum(_SIGNED), Value(0)),
            credited=Coalesce(Sum("amount_fen", filter=Q(direction=Direction.CREDIT)), Value(0)),
        )
        .order_by("account__company_id")
    )
    return [
        {
            "company": r["account__company_id"],
            "company_name": r["account__company__name"],
            "balance_fen": r["balance"],
            "credited_fen": r["credited"],
        }
        for r in rows
    ]


def weekly_totals_for_worker(user, *, weeks: int = 8, today: datetime.date) -> list[dict]:
    """Credits per ISO week (Monday start), oldest first, zero-filled."""
    first_monday = today - datetime.timedelta(days=today.weekday(), weeks=weeks - 1)
    rows = (
        Posting.objects.filter(
            account__kind=AccountKind.PAYABLE,
            account__worker=user,
            direction=Direction.CREDIT,
            created_at__date__gte=first_monday,
        )
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(total=Sum("amount_fen"))
    )
    by_week = {r["week"].date() if hasattr(r["week"], "date") else r["week"]: r["total"] for r in rows}
    return [
        {"week_start": (monday := first_monday + datetime.timedelta(weeks=i)), "credited_fen": by_week.get(monday, 0)}
        for i in range(weeks)
    ]


def entries_for_finance(user):
    """Postings of the companies where ``user`` is finance or admin."""
    return (
        Posting.objects.filter(account__company_id__in=company_ids_for(user, FINANCE_ROLES))
        .select_related("transaction", "account", "account__worker", "transaction__project", "transaction__task")
        .order_by("created_at", "id")
    )

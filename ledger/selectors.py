"""Reads of the ledger, always scoped to the caller."""

import datetime

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from accounts.models import Company
from accounts.selectors import FINANCE_ROLES, company_ids_for
from ledger import facts, periods
from ledger.models import (
    AccountKind,
    AdjustmentRequest,
    AdjustmentStatus,
    Direction,
    Posting,
    Transaction,
    TransactionKind,
)

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


# --- finance --------------------------------------------------------------------------


def adjustments_for_finance(user):
    """Adjustments of the companies where ``user`` is finance or admin: those waiting for approval
    first, then the rest; newest first within each."""
    waiting = Case(When(status=AdjustmentStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        AdjustmentRequest.objects.filter(company_id__in=company_ids_for(user, FINANCE_ROLES))
        .select_related("worker__worker_profile", "requested_by", "decided_by")
        .annotate(waiting=waiting)
        .order_by("waiting", "-created_at", "-id")
    )


def account_balance(account) -> int:
    """A payable account's balance in fen: credits − debits (what the company owes her)."""
    return Posting.objects.filter(account=account).aggregate(b=Coalesce(Sum(_SIGNED), Value(0)))["b"]


def payable_balances(*, company_id: int, before=None) -> dict[int, int]:
    """Each mother's payable balance with the company, optionally as of ``before``."""
    postings = Posting.objects.filter(account__company_id=company_id, account__kind=AccountKind.PAYABLE)
    if before is not None:
        postings = postings.filter(created_at__lt=before)
    rows = postings.values("account__worker_id").annotate(balance=Sum(_SIGNED))
    return {r["account__worker_id"]: r["balance"] for r in rows}


def payable_debits(*, company_id: int, since) -> dict[int, int]:
    """What left each mother's payable account (payouts, deductions, reversals) from ``since`` on."""
    return _payable_moves(company_id=company_id, direction=Direction.DEBIT, since=since)


def _payable_moves(*, company_id: int, direction: str, since) -> dict[int, int]:
    """Per mother: the total of her payable account's postings in ``direction`` from ``since`` on."""
    rows = (
        Posting.objects.filter(
            account__company_id=company_id,
            account__kind=AccountKind.PAYABLE,
            direction=direction,
            created_at__gte=since,
        )
        .values("account__worker_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {r["account__worker_id"]: r["total"] for r in rows}


def credited_units(*, company_id: int, since, before) -> dict[int, int]:
    """Units of accepted work credited to each mother in [since, before)."""
    rows = (
        Transaction.objects.filter(
            company_id=company_id, kind=TransactionKind.EARNING, created_at__gte=since, created_at__lt=before
        )
        .values("worker_id")
        .annotate(units=Sum("units"))
    )
    return {r["worker_id"]: r["units"] or 0 for r in rows}


def reconciliation(*, company_id: int, since, before) -> dict:
    """For [since, before): per mother, opening + credits − debits = closing, the closing also
    summed directly from every posting before ``before``; any difference is reported."""
    payable = Posting.objects.filter(account__company_id=company_id, account__kind=AccountKind.PAYABLE)
    credit, debit = Q(direction=Direction.CREDIT), Q(direction=Direction.DEBIT)
    in_period = Q(created_at__gte=since, created_at__lt=before)
    rows = (
        payable.values("account__worker_id")
        .annotate(
            opening=Coalesce(Sum(_SIGNED, filter=Q(created_at__lt=since)), Value(0)),
            credits=Coalesce(Sum("amount_fen", filter=in_period & credit), Value(0)),
            debits=Coalesce(Sum("amount_fen", filter=in_period & debit), Value(0)),
            closing_direct=Coalesce(Sum(_SIGNED, filter=Q(created_at__lt=before)), Value(0)),
        )
        .order_by("account__worker_id")
    )
    mothers, totals = [], {"opening_fen": 0, "credits_fen": 0, "debits_fen": 0, "closing_fen": 0, "difference_fen": 0}
    for r in rows:
        closing = r["opening"] + r["credits"] - r["debits"]
        line = {
            "worker": r["account__worker_id"],
            "opening_fen": r["opening"],
            "credits_fen": r["credits"],
            "debits_fen": r["debits"],
            "closing_fen": closing,
            "difference_fen": r["closing_direct"] - closing,
        }
        if any(line[k] for k in ("opening_fen", "credits_fen", "debits_fen", "closing_fen", "difference_fen")):
            mothers.append(line)
            for k in totals:
                totals[k] += line[k]
    problems, problem_count = ledger_problems(company_id=company_id)
    return {
        "mothers": mothers,
        "totals": totals,
        "problems": problems,
        "problem_count": problem_count,
        "balanced": all(m["difference_fen"] == 0 for m in mothers) and problem_count == 0,
    }


MAX_PROBLEMS_LISTED = 100


def ledger_problems(*, company_id: int) -> tuple[list[dict], int]:
    """Damage to the company's ledger, whatever the period, that sums cannot show (a ledger emptied
    by any means adds up to zero): transactions without postings, postings whose transaction
    header is missing, and accepted work whose credit is missing. Returns at most
    ``MAX_PROBLEMS_LISTED`` of them as ``{"kind", "id"}`` and how many there are in all."""
    bare = Transaction.objects.filter(company_id=company_id).filter(
        ~Exists(Posting.objects.filter(transaction_id=OuterRef("pk")))
    )
    headless = Posting.objects.filter(account__company_id=company_id).filter(
        ~Exists(Transaction.objects.filter(pk=OuterRef("transaction_id")))
    )
    missing = facts.reviews_without_credit(company_id=company_id)
    limit = MAX_PROBLEMS_LISTED
    found = [
        *(
            {"kind": "transaction_without_postings", "id": str(pk)}
            for pk in bare.order_by("pk").values_list("pk", flat=True)[:limit]
        ),
        *(
            {"kind": "posting_without_transaction", "id": pk}
            for pk in headless.order_by("pk").values_list("pk", flat=True)[:limit]
        ),
        *({"kind": "credit_missing_for_review", "id": pk} for pk in missing[:limit]),
    ]
    return found[:limit], bare.count() + headless.count() + len(missing)


def overdue_settlements(*, company_id: int, now, days: int = 15) -> list[dict]:
    """Mothers owed money credited more than ``days`` ago that no paid batch has settled:
    what she is owed now minus what was credited to her since the cutoff."""
    cutoff = now - datetime.timedelta(days=days)
    owed = payable_balances(company_id=company_id)
    recent = _payable_moves(company_id=company_id, direction=Direction.CREDIT, since=cutoff)
    overdue = []
    for worker_id, balance in owed.items():
        late = balance - recent.get(worker_id, 0)
        if late > 0:
            overdue.append({"worker": worker_id, "overdue_fen": late, "balance_fen": balance})
    return sorted(overdue, key=lambda row: -row["overdue_fen"])


def expected_pay_dates(user, balances: list[dict], *, today: datetime.date) -> dict[int, datetime.date]:
    """When each company with a balance owed to her should pay it, by its settlement schedule: the
    half-month of her oldest credit not yet covered (first in, first out: every debit — a payout, a
    deduction, a reversal — covers the oldest credits first) ends, and ``Company.settlement_days``
    later it is due. A date before ``today`` is a late payment."""
    owed = [row["company"] for row in balances if row["balance_fen"] > 0]
    if not owed:
        return {}
    days = dict(Company.objects.filter(pk__in=owed).values_list("pk", "settlement_days"))
    due = {}
    for company_id in owed:
        mine = Posting.objects.filter(
            account__kind=AccountKind.PAYABLE, account__worker=user, account__company_id=company_id
        )
        covered = mine.filter(direction=Direction.DEBIT).aggregate(t=Coalesce(Sum("amount_fen"), Value(0)))["t"]
        credited, first = 0, None
        for at, fen in (
            mine.filter(direction=Direction.CREDIT)
            .order_by("created_at", "id")
            .values_list("created_at", "amount_fen")
            .iterator()
        ):
            credited += fen
            if credited > covered:
                first = at
                break
        day = timezone.localdate(first) if first else today
        due[company_id] = periods.half_month(day)[1] + datetime.timedelta(days=days[company_id])
    return due

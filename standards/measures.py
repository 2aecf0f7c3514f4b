"""What the standard and the programme figures measure from single records: the hours a piece of work
took and what it paid per hour against the floor, and when each credit to a mother was settled.

The time of a hand-in is the platform's own measure (``tasks.measures.measured_minutes_per_unit``):
from when she could start (her claim or the slot's start, whichever is later) to when she handed
in. It is what she gave the task of her day, not what a stopwatch would say."""

import dataclasses
import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from fairwork import selectors as fairwork
from fairwork.models import PayFloor
from ledger import periods
from ledger.models import AccountKind, Direction, Posting, TransactionKind
from tasks.models import Submission, SubmissionStatus

ACCEPTED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED)
# Part-time pay is settled at least every 15 days (劳动合同法 第七十二条): Homeslot's cycle is the
# half-month, and a company may promise at most 15 days after a half-month ends (Company.settlement_days).
SETTLE_DAYS = 15


@dataclasses.dataclass(frozen=True)
class PaidWork:
    """One accepted hand-in: whose, when, how long it took, what it paid per hour, the floor then."""

    submission: int
    company: int
    worker: int
    region: str
    submitted_at: datetime.datetime
    minutes: float
    hourly: Decimal | None  # None: no time measured (handed in before she could start)
    floor: Decimal | None  # None: no floor known for the project's region


def paid_work(submissions) -> list[PaidWork]:
    """``submissions`` (a queryset of accepted or partly accepted hand-ins) measured one by one."""
    rows = submissions.filter(status__in=ACCEPTED).select_related(
        "claim__slot", "review", "project", "worker__worker_profile"
    )
    known = list(PayFloor.objects.all())  # read once, chosen from per region and day
    floors: dict[tuple[str, datetime.date], Decimal | None] = {}
    measured = []
    for s in rows.iterator(chunk_size=2000):
        began = max(s.claim.claimed_at, s.claim.slot.starts_at)
        minutes = max(0.0, (s.submitted_at - began).total_seconds() / 60)
        units = s.review.accepted_units if hasattr(s, "review") else 0
        rate = s.review.piece_rate if hasattr(s, "review") and s.review.piece_rate else s.project.piece_rate
        hourly = None
        if minutes > 0 and units > 0:
            hourly = (Decimal(units) * rate * 60 / Decimal(str(minutes))).quantize(Decimal("0.01"))
        key = (s.project.region, timezone.localdate(s.submitted_at))
        if key not in floors:
            floor = fairwork.floor_among(known, s.project.region, on=key[1])
            floors[key] = floor.yuan_per_hour if floor else None
        profile = getattr(s.worker, "worker_profile", None)
        measured.append(
            PaidWork(
                submission=s.pk,
                company=s.project.company_id,
                worker=s.worker_id,
                region=profile.region if profile else "",
                submitted_at=s.submitted_at,
                minutes=minutes,
                hourly=hourly,
                floor=floors[key],
            )
        )
    return measured


def percentile(values: list, share: float):
    """The ``share`` quantile of ``values`` (inclusive method, like a spreadsheet's PERCENTILE)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


@dataclasses.dataclass(frozen=True)
class Credit:
    company: int
    worker: int
    credited_at: datetime.datetime
    amount_fen: int
    settled_at: datetime.datetime | None  # None: not yet covered by the debits after it
    # The kind of the debit that covered it: a payout paid it; a deduction took it back (not paid);
    # a reversal corrected a credit made in error (nothing to judge).
    settled_by: str = ""

    @property
    def due_at(self) -> datetime.datetime:
        """The latest on-time payment: the end of the 15th day after its half-month ended (local time)."""
        _start, end = periods.half_month(timezone.localdate(self.credited_at))
        after = end + datetime.timedelta(days=SETTLE_DAYS + 1)
        return datetime.datetime.combine(after, datetime.time(), tzinfo=timezone.get_current_timezone())

    def on_time(self, now: datetime.datetime) -> bool | None:
        """Paid by its due time; None while it is not paid and not yet due (nothing to judge yet), or
        when a reversal took it back as a mistake. Taken back by a deduction, it was not paid."""
        if self.settled_by == TransactionKind.REVERSAL:
            return None
        if self.settled_at is not None and self.settled_by != TransactionKind.ADJUSTMENT:
            return self.settled_at <= self.due_at
        return False if now >= self.due_at or self.settled_at is not None else None

    def waited_days(self, now: datetime.datetime) -> float:
        return ((self.settled_at or now) - self.credited_at).total_seconds() / 86400


def credits_settled(*, company_ids: list[int] | None = None, worker_ids: list[int] | None = None) -> list[Credit]:
    """Every credit to a mother's payable (accepted work, peer review pay, bonuses) with the time the
    debits after it (payouts first of all) had covered it, first in first out — the rule by which
    ``ledger.selectors.expected_pay_dates`` tells her when she will be paid."""
    postings = Posting.objects.filter(account__kind=AccountKind.PAYABLE)
    if company_ids is not None:
        postings = postings.filter(account__company_id__in=company_ids)
    if worker_ids is not None:
        postings = postings.filter(account__worker_id__in=worker_ids)
    by_account = defaultdict(lambda: ([], []))
    rows = postings.order_by("created_at", "id").values_list(
        "account_id",
        "account__company_id",
        "account__worker_id",
        "direction",
        "amount_fen",
        "created_at",
        "transaction__kind",
    )
    for account_id, company, worker, direction, fen, at, kind in rows:
        by_account[(account_id, company, worker)][direction == Direction.DEBIT].append((at, fen, kind))
    found = []
    for (_account, company, worker), (credits, debits) in by_account.items():
        debits = iter(debits)
        covered, covered_at, covered_by = 0, None, ""
        running = 0
        for at, fen, _kind in credits:
            running += fen
            while covered < running:
                nxt = next(debits, None)
                if nxt is None:
                    break
                covered_at, covered, covered_by = nxt[0], covered + nxt[1], nxt[2]
            if covered >= running and covered_at:
                found.append(Credit(company, worker, at, fen, max(covered_at, at), covered_by))
            else:
                found.append(Credit(company, worker, at, fen, None))
    return found


def accepted_between(start: datetime.datetime, end: datetime.datetime):
    return Submission.objects.filter(submitted_at__gte=start, submitted_at__lt=end, status__in=ACCEPTED)

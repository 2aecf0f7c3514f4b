"""The fair-work measures read from the work: her planned minutes with a company on a day and a
week (against the part-time limits), her record of claims seen through, a project's measured
minutes per unit. The rules they serve (limits, the floor, the local day) are ``fairwork``'s."""

import datetime
import statistics
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, When
from django.utils import timezone

from fairwork.selectors import FAMILY_EMERGENCIES_PER_MONTH, local_bounds
from tasks.models import Claim, ClaimStatus, ReleaseKind, Submission, SubmissionStatus

MEASURED_SAMPLE = 200  # the latest accepted submissions a project's measured pay is taken from
MEASURED_MINIMUM = 5  # fewer than this and the figure would mislead
MINUTES = DecimalField(max_digits=14, decimal_places=2)


def planned_minutes(*, worker_id: int, company_id: int, at: datetime.datetime) -> tuple[Decimal, Decimal]:
    """Her work with one company in slots of ``at``'s local day and week: accepted units, work
    waiting for review and live claims, each at the company's own minutes per unit."""
    day, week = local_bounds(at)
    counted = (
        Q(status=ClaimStatus.SUBMITTED)
        | Q(status=ClaimStatus.DONE)
        | Q(status=ClaimStatus.ACTIVE, expires_at__gt=timezone.now())
    )
    units = Case(When(status=ClaimStatus.DONE, then=F("task__accepted_units")), default=F("task__units"))
    claims = Claim.objects.filter(
        counted,
        worker_id=worker_id,
        project__company_id=company_id,
        slot__starts_at__gte=week,
        slot__starts_at__lt=week + datetime.timedelta(days=7),
    ).annotate(minutes=ExpressionWrapper(units * F("project__minutes_per_unit"), output_field=MINUTES))
    totals = claims.aggregate(
        week=Sum("minutes"),
        day=Sum(
            Case(
                When(slot__starts_at__gte=day, slot__starts_at__lt=day + datetime.timedelta(days=1), then="minutes"),
                default=Decimal(0),
                output_field=MINUTES,
            )
        ),
    )
    return Decimal(totals["day"] or 0), Decimal(totals["week"] or 0)


def minutes_left(*, worker_id: int, company_id: int, at: datetime.datetime) -> Decimal:
    day, week = planned_minutes(worker_id=worker_id, company_id=company_id, at=at)
    return min(settings.HOMESLOT_HOURS_PER_DAY * 60 - day, settings.HOMESLOT_HOURS_PER_WEEK * 60 - week)


def reliability(worker_id: int, *, now: datetime.datetime | None = None) -> dict:
    """What she sees of her record: this month's family-emergency releases (3 carry no mark),
    and over the last 90 days the share of claims she saw through."""
    now = now or timezone.now()
    emergencies = _family_emergencies_this_month(worker_id, now=now)
    recent = Claim.objects.filter(worker_id=worker_id, claimed_at__gte=now - datetime.timedelta(days=90))
    finished = recent.exclude(status__in=[ClaimStatus.ACTIVE, ClaimStatus.SUBMITTED]).exclude(
        release_kind__in=[ReleaseKind.FREE, ReleaseKind.EMERGENCY]
    )
    total = finished.count()
    marked = finished.filter(Q(release_kind=ReleaseKind.MARKED) | Q(status=ClaimStatus.EXPIRED)).count()
    return {
        "family_emergencies_this_month": emergencies,
        "family_emergencies_left": max(0, FAMILY_EMERGENCIES_PER_MONTH - emergencies),
        "claims_counted": total,
        "marked": marked,
        "reliability_percent": None if total == 0 else round(100 * (total - marked) / total),
    }


def family_emergencies_left(worker_id: int, *, now: datetime.datetime | None = None) -> int:
    """Of her record, what the give-back form needs: the family emergencies this month that still
    carry no mark (one count, not the whole record)."""
    return max(0, FAMILY_EMERGENCIES_PER_MONTH - _family_emergencies_this_month(worker_id, now=now or timezone.now()))


def _family_emergencies_this_month(worker_id: int, *, now: datetime.datetime) -> int:
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Claim.objects.filter(
        worker_id=worker_id, release_kind=ReleaseKind.EMERGENCY, ended_at__gte=month_start
    ).count()


def measured_minutes_per_unit(project) -> Decimal | None:
    """The median minutes per accepted unit, from when she could start (claim or slot start,
    whichever is later) to when she submitted, over the latest accepted submissions."""
    rows = (
        Submission.objects.filter(
            project=project, status__in=[SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED]
        )
        .select_related("claim__slot", "review")
        .order_by("-submitted_at")[:MEASURED_SAMPLE]
    )
    samples = []
    for s in rows:
        began = max(s.claim.claimed_at, s.claim.slot.starts_at)
        units = s.review.accepted_units or s.submitted_units
        minutes = (s.submitted_at - began).total_seconds() / 60
        if minutes > 0 and units > 0:
            samples.append(minutes / units)
    if len(samples) < MEASURED_MINIMUM:
        return None
    return Decimal(str(statistics.median(samples))).quantize(Decimal("0.01"))

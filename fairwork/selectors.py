"""Reads behind the fair-work rules: the pay floor, planned hours, fit with her week, reliability."""

import datetime
import statistics
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, When
from django.utils import timezone

from fairwork.models import PayFloor

FAMILY_EMERGENCIES_PER_MONTH = 3
MEASURED_SAMPLE = 200  # the latest accepted submissions a project's measured pay is taken from
MEASURED_MINIMUM = 5  # fewer than this and the figure would mislead
MINUTES = DecimalField(max_digits=14, decimal_places=2)


def floor_for(region: str, on: datetime.date | None = None) -> PayFloor | None:
    """The floor in force on ``on`` for the most specific region named in ``region``
    ("广东省佛山市" → 佛山市 before 广东省)."""
    region = (region or "").strip()
    if not region:
        return None
    on = on or timezone.localdate()
    # "佛山" names 佛山市 as well: compare without the administrative suffix.
    floors = [f for f in PayFloor.objects.filter(effective_from__lte=on) if f.region.rstrip("市省") in region]
    if not floors:
        return None
    # A city's floor before its province's; among the same level, the latest in force.
    return max(floors, key=lambda f: (not f.region.endswith("省"), len(f.region), f.effective_from))


def known_regions() -> list[str]:
    return sorted(set(PayFloor.objects.values_list("region", flat=True)))


def hourly_pay(piece_rate: Decimal, minutes_per_unit: Decimal) -> Decimal:
    return (piece_rate * 60 / minutes_per_unit).quantize(Decimal("0.01"))


# --- hours --------------------------------------------------------------------


def local_bounds(at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Start of the local day and of the local ISO week (Monday) containing ``at``."""
    local = timezone.localtime(at)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day - datetime.timedelta(days=day.weekday())


def planned_minutes(*, worker_id: int, company_id: int, at: datetime.datetime) -> tuple[Decimal, Decimal]:
    """Her work with one company in slots of ``at``'s local day and week: accepted units, work
    waiting for review and live claims, each at the company's own minutes per unit."""
    # cycle: fairwork ↔ tasks (tasks.services checks these rules; this reads the work)
    from tasks.models import Claim, ClaimStatus

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


# --- her week -----------------------------------------------------------------


def fits_availability(profile, starts_at: datetime.datetime, ends_at: datetime.datetime) -> bool:
    """Whether a slot lies inside one of her weekly windows; with no windows set, every slot fits."""
    windows = list(profile.availability.all())
    if not windows:
        return True
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        return False
    return any(w.weekday == start.weekday() and w.start <= start.time() and end.time() <= w.end for w in windows)


def in_quiet_hours(profile, at: datetime.datetime) -> bool:
    now = timezone.localtime(at).time()
    start, end = profile.quiet_start, profile.quiet_end
    if start == end:
        return False
    return start <= now or now < end if start > end else start <= now < end


# --- her record ---------------------------------------------------------------


def reliability(worker_id: int, *, now: datetime.datetime | None = None) -> dict:
    """What she sees of her record: this month's family-emergency releases (3 carry no mark),
    and over the last 90 days the share of claims she saw through."""
    # cycle: fairwork ↔ tasks (tasks.services checks these rules; this reads the work)
    from tasks.models import Claim, ClaimStatus, ReleaseKind

    now = now or timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    emergencies = Claim.objects.filter(
        worker_id=worker_id, release_kind=ReleaseKind.EMERGENCY, ended_at__gte=month_start
    ).count()
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


# --- measured pay -------------------------------------------------------------


def measured_minutes_per_unit(project) -> Decimal | None:
    """The median minutes per accepted unit, from when she could start (claim or slot start,
    whichever is later) to when she submitted, over the latest accepted submissions."""
    # cycle: fairwork ↔ tasks (tasks.services checks these rules; this reads the work)
    from tasks.models import Submission, SubmissionStatus

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

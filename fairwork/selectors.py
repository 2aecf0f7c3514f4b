"""The fair-work rules as reads: the pay floor, the local day and week, fit with her week, quiet hours.

What is measured from the work itself (her planned hours, her record, a project's measured pay)
is read in ``tasks.measures``: the work is the upper layer, these are the rules it applies."""

import datetime
from decimal import Decimal

from django.utils import timezone

from fairwork.models import PayFloor
from notices import quiet
from notices import selectors as notice_selectors

FAMILY_EMERGENCIES_PER_MONTH = 3


def floor_for(region: str, on: datetime.date | None = None) -> PayFloor | None:
    """The floor in force on ``on`` for the most specific region named in ``region``
    ("广东省佛山市" → 佛山市 before 广东省)."""
    region = (region or "").strip()
    if not region:
        return None
    return floor_among(list(PayFloor.objects.filter(effective_from__lte=on or timezone.localdate())), region, on)


def floor_among(floors: list[PayFloor], region: str, on: datetime.date | None = None) -> PayFloor | None:
    """``floor_for``'s choice among ``floors`` already read (one query for many hand-ins)."""
    region = (region or "").strip()
    on = on or timezone.localdate()
    # "佛山" names 佛山市 as well: compare without the administrative suffix.
    found = [f for f in floors if f.effective_from <= on and f.region.rstrip("市省") in region]
    if not region or not found:
        return None
    # A city's floor before its province's; among the same level, the latest in force.
    return max(found, key=lambda f: (not f.region.endswith("省"), len(f.region), f.effective_from))


def floors_in_force(on: datetime.date | None = None) -> list[dict]:
    """Each region's floor in force on ``on`` (the latest that has started), for the project form's
    warning as the numbers are typed (the same choice as ``floor_for``, made in the browser)."""
    on = on or timezone.localdate()
    latest = {}
    for floor in PayFloor.objects.filter(effective_from__lte=on).order_by("effective_from"):
        latest[floor.region] = floor
    return [{"region": r, "yuan_per_hour": f"{f.yuan_per_hour:.2f}"} for r, f in sorted(latest.items())]


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


def in_quiet_hours(user_id: int, at: datetime.datetime) -> bool:
    """Whether ``at`` falls in her quiet hours (kept with her notification settings in notices)."""
    choices = notice_selectors.settings_for(user_id)
    return quiet.in_quiet_hours(choices.quiet_start, choices.quiet_end, at)


def outside_quiet_hours(user_id: int, deadline: datetime.datetime, *, minutes: int) -> datetime.datetime:
    """A deadline set for her (work sent back for changes) that would fall in her quiet hours: moved
    to ``minutes`` after they end, so she has that time awake; any other deadline as it is."""
    choices = notice_selectors.settings_for(user_id)
    if not quiet.in_quiet_hours(choices.quiet_start, choices.quiet_end, deadline):
        return deadline
    return quiet.quiet_ends(choices.quiet_start, choices.quiet_end, deadline) + datetime.timedelta(minutes=minutes)


def quiet_deadlines(user_id: int, deadlines: list[datetime.datetime]) -> set[datetime.datetime]:
    """Which of ``deadlines`` fall in her quiet hours (her pages say so beside them); one read."""
    choices = notice_selectors.settings_for(user_id)
    return {d for d in deadlines if quiet.in_quiet_hours(choices.quiet_start, choices.quiet_end, d)}

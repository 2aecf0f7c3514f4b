"""Writes to a mother's profile and weekly hours."""

import datetime
import itertools
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.errors import Invalid
from notices import services as notice_services
from workers.errors import AvailabilityOverlap, InvalidWindow, ProfileRequired
from workers.models import AvailabilityWindow, WorkerProfile

MAX_WINDOWS = 28
PROFILE_FIELDS = (
    "display_name",
    "region",
    "city",
    "children_under_12",
    "youngest_birth_year",
    "bank_card_last4",
)
# Taken here too (the profile API had them first), kept with her notification settings in notices.
QUIET_FIELDS = ("quiet_start", "quiet_end")


@transaction.atomic
def worker_profile_save(*, user: User, **fields: Any) -> WorkerProfile:
    """Create or update the caller's own profile."""
    unknown = set(fields) - set(PROFILE_FIELDS) - set(QUIET_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    year = fields.get("youngest_birth_year")
    this_year = timezone.localdate().year
    if year is not None and not this_year - 12 <= year <= this_year:
        raise Invalid(
            _("The youngest child's birth year should be between %(a)s and %(b)s.")
            % {"a": this_year - 12, "b": this_year},
            details={"field": "youngest_birth_year"},
        )
    profile = locks.lock_one(WorkerProfile.objects.filter(user=user))
    created = profile is None
    if created:
        profile, created = WorkerProfile.objects.get_or_create(
            user=user, defaults={"display_name": fields.get("display_name") or user.display_name or ""}
        )
    quiet = {name: fields.pop(name) for name in QUIET_FIELDS if name in fields}
    for name, value in fields.items():
        setattr(profile, name, value)
    if not (profile.display_name or "").strip():
        raise Invalid(_("Please tell us what to call you."), details={"field": "display_name"})
    profile.save()
    if quiet:
        notice_services.notice_settings_save(user=user, **quiet)
    audit_record(actor=user, action="worker.profile_create" if created else "worker.profile_update", target=profile)
    return profile


@transaction.atomic
def availability_replace(*, user: User, windows: list[dict]) -> list[AvailabilityWindow]:
    """Replace the mother's weekly windows; overlapping windows on one day are refused."""
    profile = locks.lock_one(WorkerProfile.objects.filter(user=user))
    if profile is None:
        raise ProfileRequired()
    if len(windows) > MAX_WINDOWS:
        raise Invalid(_("At most %(n)s windows a week.") % {"n": MAX_WINDOWS})
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for window in windows:
        by_day.setdefault(window["weekday"], []).append((window["start"], window["end"]))
    for weekday, spans in by_day.items():
        spans.sort()
        for (_start, end), (next_start, _next_end) in itertools.pairwise(spans):
            if next_start < end:
                raise AvailabilityOverlap(
                    details={"weekday": weekday, "start": next_start.strftime("%H:%M")},
                )
        for start, end in spans:
            if end <= start:
                raise InvalidWindow()
    profile.availability.all().delete()
    created = AvailabilityWindow.objects.bulk_create(
        [AvailabilityWindow(worker=profile, weekday=w["weekday"], start=w["start"], end=w["end"]) for w in windows]
    )
    audit_record(actor=user, action="worker.availability_replace", target=profile, windows=len(created))
    return sorted(created, key=lambda w: (w.weekday, w.start))

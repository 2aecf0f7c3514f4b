"""Time slots: one at a time, or a weekly pattern."""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core.errors import WrongState
from tasks.errors import InvalidPattern, InvalidSlotTimes
from tasks.models import ProjectStatus, TimeSlot
from tasks.services._common import _bounded_int, _locked_project

MAX_SLOT_HOURS = 12


@transaction.atomic
def slot_create(
    *, actor: User, project_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime, capacity: int
) -> TimeSlot:
    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new time slots."))
    capacity = _bounded_int(capacity, "capacity", low=1, high=100000)
    if ends_at <= starts_at:
        raise InvalidSlotTimes(_("A time slot must end after it starts."))
    if ends_at - starts_at > datetime.timedelta(hours=MAX_SLOT_HOURS):
        raise InvalidSlotTimes(_("A time slot can last at most %(h)s hours.") % {"h": MAX_SLOT_HOURS})
    if ends_at <= timezone.now():
        raise InvalidSlotTimes(_("This time slot is already over."))
    slot = TimeSlot.objects.create(project=project, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    audit_record(actor=actor, action="slot.create", target=slot, company_id=project.company_id, capacity=capacity)
    return slot


MAX_PATTERN_SLOTS = 200
MAX_PATTERN_DAYS_AHEAD = 366


@transaction.atomic
def slot_pattern_create(
    *,
    actor: User,
    project_id: int,
    weekdays: Sequence[int],
    start: datetime.time,
    end: datetime.time,
    weeks: int,
    capacity: int,
    first_day: datetime.date | None = None,
) -> list[TimeSlot]:
    """A weekly pattern ("weekdays 09:00–11:30 for 4 weeks"): one slot per matching day, from
    ``first_day`` (default today); days whose slot is already over are skipped. All or nothing."""
    project = _locked_project(actor, project_id)
    if project.status == ProjectStatus.CLOSED:
        raise WrongState(_("A closed project cannot get new time slots."))
    if (
        not isinstance(weekdays, list | tuple)
        or not weekdays
        or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays)
    ):
        raise InvalidPattern(_("Choose the weekdays (0 = Monday … 6 = Sunday)."))
    weeks = _bounded_int(weeks, "weeks", low=1, high=12)
    capacity = _bounded_int(capacity, "capacity", low=1, high=100000)
    if end <= start:
        raise InvalidSlotTimes(_("A time slot must end after it starts."))
    length = datetime.datetime.combine(datetime.date.min, end) - datetime.datetime.combine(datetime.date.min, start)
    if length > datetime.timedelta(hours=MAX_SLOT_HOURS):
        raise InvalidSlotTimes(_("A time slot can last at most %(h)s hours.") % {"h": MAX_SLOT_HOURS})
    today = timezone.localdate()
    first_day = first_day or today
    if not isinstance(first_day, datetime.date) or first_day > today + datetime.timedelta(days=MAX_PATTERN_DAYS_AHEAD):
        raise InvalidPattern(
            _("Choose a first day within the next %(days)s days.") % {"days": MAX_PATTERN_DAYS_AHEAD},
            details={"field": "first_day"},
        )
    now = timezone.now()
    slots = []
    for offset in range(weeks * 7):
        day = first_day + datetime.timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
        ends_at = timezone.make_aware(datetime.datetime.combine(day, end))
        if ends_at <= now or TimeSlot.objects.filter(project=project, starts_at=starts_at, ends_at=ends_at).exists():
            continue  # over already, or made by an earlier run of the same pattern
        slots.append(TimeSlot(project=project, starts_at=starts_at, ends_at=ends_at, capacity=capacity))
    if len(slots) > MAX_PATTERN_SLOTS:
        raise InvalidPattern(_("At most %(n)s slots at once.") % {"n": MAX_PATTERN_SLOTS})
    created = TimeSlot.objects.bulk_create(slots)
    audit_record(actor=actor, action="slot.pattern", target=project, company_id=project.company_id, slots=len(created))
    return created

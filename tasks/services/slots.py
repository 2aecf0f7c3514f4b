"""Time slots: one at a time, or a weekly pattern."""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from core.errors import Invalid, NotFound, ReasonRequired, WrongState
from notices.models import NoticeKind
from notices.services import notice_send
from tasks.errors import InvalidPattern, InvalidSlotTimes, SlotHasClaims
from tasks.handovers import holds_materials
from tasks.models import Claim, ClaimStatus, ProjectStatus, ReleaseKind, Task, TaskStatus, TimeSlot
from tasks.services._common import _bounded_int, _locked_project
from tasks.services.claims import _release

MAX_SLOT_HOURS = 12
MAX_CANCEL_REASON = 200


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


# --- a slot changed, deleted or cancelled ---------------------------------------------------------


def _slot_of(actor: User, slot_id: int) -> TimeSlot:
    """The slot, its project locked (``_locked_project`` checks she supervises it); never the slot row
    first (a claim locks its task, then the slot: core.locks)."""
    project_id = TimeSlot.objects.filter(pk=slot_id).values_list("project_id", flat=True).first()
    if project_id is None:
        raise NotFound()
    project = _locked_project(actor, project_id)
    slot = TimeSlot.objects.get(pk=slot_id)
    slot.project = project
    return slot


def _require_changeable(slot: TimeSlot, now) -> None:
    if slot.cancelled_at is not None:
        raise WrongState(_("This time slot was cancelled."))
    if slot.ends_at <= now:
        raise InvalidSlotTimes(_("This time slot is already over."))


@transaction.atomic
def slot_update(
    *, actor: User, slot_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime, capacity: int
) -> TimeSlot:
    """New times and places for a slot. While mothers hold places in it, it can only grow (as many
    places or more, an earlier or the same start, the same or a later end), and a later end moves
    their deadlines with it; an empty slot can change freely (within the rules of ``slot_create``)."""
    now = timezone.now()
    slot = _slot_of(actor, slot_id)
    _require_changeable(slot, now)
    capacity = _bounded_int(capacity, "capacity", low=1, high=100000)
    if ends_at <= starts_at:
        raise InvalidSlotTimes(_("A time slot must end after it starts."))
    if ends_at - starts_at > datetime.timedelta(hours=MAX_SLOT_HOURS):
        raise InvalidSlotTimes(_("A time slot can last at most %(h)s hours.") % {"h": MAX_SLOT_HOURS})
    if ends_at <= now:
        raise InvalidSlotTimes(_("This time slot is already over."))
    live = Claim.objects.filter(slot=slot, status=ClaimStatus.ACTIVE)
    shrinks = capacity < slot.capacity or starts_at > slot.starts_at or ends_at < slot.ends_at
    if shrinks and (slot.claimed_count or live.exists()):
        raise SlotHasClaims(details={"places_taken": slot.claimed_count})
    before = {"starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat(), "capacity": slot.capacity}
    later = ends_at > slot.ends_at
    # Tasks first, then the slot (core.locks): the deadlines of those who hold it move with its end.
    if later:  # claims, then tasks, then the slot (core.locks)
        deadline = ends_at + datetime.timedelta(minutes=slot.project.grace_minutes)
        held = locks.lock(live)
        for claim in sorted(held, key=lambda c: c.task_id):
            locks.lock_update(
                # Never earlier than it is (work sent back for changes may be due later already).
                Task.objects.filter(pk=claim.task_id, status=TaskStatus.CLAIMED, claim_expires_at__lt=deadline),
                claim_expires_at=deadline,
            )
        Claim.objects.filter(pk__in=[c.pk for c in held], expires_at__lt=deadline).update(
            expires_at=deadline, deadline_reminded_at=None
        )
    # The check above read the slot unlocked: a claim that took a place since is caught here (the
    # conditional update changes nothing, and the transaction is undone).
    row = TimeSlot.objects.filter(pk=slot.pk, claimed_count__lte=capacity)
    if not locks.lock_update(
        row.filter(claimed_count=0) if shrinks else row, starts_at=starts_at, ends_at=ends_at, capacity=capacity
    ):
        raise SlotHasClaims(details={"places_taken": TimeSlot.objects.get(pk=slot.pk).claimed_count})
    slot.refresh_from_db()
    audit_record(
        actor=actor,
        action="slot.update",
        target=slot,
        company_id=slot.project.company_id,
        before=before,
        after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "capacity": capacity},
    )
    return slot


@transaction.atomic
def slot_delete(*, actor: User, slot_id: int) -> None:
    """Delete a slot nobody ever claimed in; one with claims (live or past) is cancelled instead."""
    slot = _slot_of(actor, slot_id)
    if slot.claimed_count or Claim.objects.filter(slot=slot).exists():
        raise SlotHasClaims(
            _("This time slot has claims: it can be cancelled (which tells the mothers who hold it), not deleted."),
            details={"places_taken": slot.claimed_count},
        )
    audit_record(
        actor=actor,
        action="slot.delete",
        target=slot,
        company_id=slot.project.company_id,
        starts_at=slot.starts_at.isoformat(),
        ends_at=slot.ends_at.isoformat(),
        capacity=slot.capacity,
    )
    # One conditional DELETE: a claim that came since the check above keeps the slot (never a cascade).
    gone = TimeSlot.objects.filter(pk=slot.pk, claimed_count=0).exclude(
        Exists(Claim.objects.filter(slot=OuterRef("pk")))
    )
    if not gone._raw_delete(gone.db):
        raise SlotHasClaims(details={"places_taken": TimeSlot.objects.get(pk=slot.pk).claimed_count})


def slot_cancel(*, actor: User, slot_id: int, reason: str) -> TimeSlot:
    """Cancel a slot: closed to claims at once (its own transaction, committed first, so no claim can
    take a place after the ones released below are read), then every live claim in it released
    without a mark on her (her task back in the hall) and each mother told why. Cancelling again
    releases what is left and tells nobody twice."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Please give the reason: the mothers who hold this slot read it."))
    if len(reason) > MAX_CANCEL_REASON or "\x00" in reason:
        raise Invalid(_("The reason is one line of at most %(n)s characters.") % {"n": MAX_CANCEL_REASON})
    with transaction.atomic():
        slot = _slot_of(actor, slot_id)
        if slot.cancelled_at is None:
            if slot.ends_at <= timezone.now():
                raise InvalidSlotTimes(_("This time slot is already over."))
            locks.lock_update(
                TimeSlot.objects.filter(pk=slot.pk, cancelled_at__isnull=True),
                cancelled_at=timezone.now(),
                cancel_reason=reason,
            )
            audit_record(
                actor=actor, action="slot.cancel", target=slot, company_id=slot.project.company_id, reason=reason
            )
    with transaction.atomic():
        slot = _slot_of(actor, slot_id)
        released = _release_cancelled(slot, actor=actor)
    slot.refresh_from_db()
    slot.released = released
    return slot


def _release_cancelled(slot: TimeSlot, *, actor: User) -> int:
    """Every live claim in the cancelled slot released without a mark, each mother told (once per
    claim, the notice's key); a batch whose materials she holds stays hers (she brings it back to the
    counter). Claims, then tasks, then the slot (core.locks)."""
    now = timezone.now()
    live = locks.lock(
        Claim.objects.filter(slot=slot, status=ClaimStatus.ACTIVE).select_related(
            "task", "project", "project__company", "slot"
        )
    )
    why = slot.cancel_reason
    holding = {claim.pk for claim in live if holds_materials(claim.task)}
    released = [claim for claim in live if claim.pk not in holding]
    if released:
        _release(claims=released, worker=None, now=now, kind=ReleaseKind.FREE, reason=why, actor=actor)
    for claim in live:
        notice_send(
            user_id=claim.worker_id,
            kind=NoticeKind.SLOT_CANCELLED,
            key=f"slot_cancelled:{slot.pk}:{claim.pk}",
            text=(_HOLDING_TEXT if claim.pk in holding else _RELEASED_TEXT)
            % {"title": claim.project.title, "when": _slot_words(slot), "reason": why},
            data={"claim": claim.pk, "task": claim.task_id, "project": claim.project_id, "slot": slot.pk},
        )
    return len(released)


# What each mother holding the slot is told: her task is back in the hall, or (her batch's materials
# with her) it stays hers and comes back to the counter.
_RELEASED_TEXT = gettext_lazy(
    "“%(title)s”, %(when)s: the company cancelled this time slot (%(reason)s). The task is back in "
    "the hall; this leaves no mark on you."
)
_HOLDING_TEXT = gettext_lazy(
    "“%(title)s”, %(when)s: the company cancelled this time slot (%(reason)s). You hold its materials: "
    "bring them and what you made back to the drop-off point when you can. Nothing is deducted."
)


def _slot_words(slot: TimeSlot) -> str:
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"

"""What a claim may take: the units that fit her slot, the room beside her other claims and her
hours; the task taken (in the lock order); and the refusal when none was."""

import dataclasses
import math
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from core import locks
from fairwork import schedule
from fairwork.errors import ClaimsOverlap, HoursLimitReached
from tasks import measures
from tasks.errors import NoTaskAvailable, TaskAlreadyClaimed, TaskTooLongForSlot
from tasks.models import Claim, ClaimStatus, Project, Task, TaskStatus, TimeSlot

# A stale claim's task is tried this many times before claim-next says nothing is left: each
# try waits only for the rows of one task that another claim (or the expiry job) is taking.
STALE_TRIES = 3


@dataclasses.dataclass(frozen=True)
class _Fit:
    """The most units of this project's work she may take in this slot, and why."""

    slot_units: int  # the slot's length
    room_units: int  # beside the work she already holds at that time (fairwork.schedule)
    hours_units: int  # in what is left of her part-time hours with the company
    slot_seconds: Decimal
    room: schedule.Room
    minutes_left: Decimal

    @property
    def units(self) -> int:
        return max(0, min(self.slot_units, self.room_units, self.hours_units))


def _fit(*, worker, project: Project, slot: TimeSlot, now) -> _Fit:
    """Call holding her profile row: her live claims cannot change meanwhile."""
    unit_seconds = project.minutes_per_unit * 60
    slot_seconds = schedule.seconds_between(slot.starts_at, slot.ends_at)
    held = [
        schedule.Job(claim_id=pk, starts_at=starts_at, ends_at=ends_at, minutes=units * minutes_per_unit)
        for pk, starts_at, ends_at, units, minutes_per_unit in Claim.objects.filter(
            worker=worker, status=ClaimStatus.ACTIVE, expires_at__gt=now
        ).values_list("pk", "slot__starts_at", "slot__ends_at", "task__units", "project__minutes_per_unit")
    ]
    room = schedule.room_beside(held, starts_at=slot.starts_at, ends_at=slot.ends_at)
    minutes_left = measures.minutes_left(worker_id=worker.pk, company_id=project.company_id, at=slot.starts_at)
    return _Fit(
        slot_units=int(slot_seconds // unit_seconds),
        room_units=int(room.seconds // unit_seconds) if room.seconds >= 0 else -1,
        hours_units=int(minutes_left // project.minutes_per_unit) if minutes_left >= 0 else -1,
        slot_seconds=slot_seconds,
        room=room,
        minutes_left=minutes_left,
    )


def _take_task(fitting, *, by_choice: bool, now) -> Task | None:
    """The lowest task in ``fitting`` she may take, locked in the project's order (core.locks):
    an open task has no claim rows to lock (claim-next passes over those others are locking);
    for a task whose claim ran out, the stale claim rows are locked before the task, the order
    the expiry job and a hand-in take them in. None when none is free."""
    open_tasks = fitting.filter(status=TaskStatus.OPEN)
    if by_choice:
        chosen = fitting.values_list("status", flat=True).first()
        if chosen is None:
            return None
        if chosen == TaskStatus.OPEN:
            task = locks.lock_one(open_tasks)
            if task is not None:
                return task
    else:
        task = locks.lock_one(open_tasks, skip_locked=True)  # passes over rows others are taking
        if task is not None:
            return task
    stale = fitting.filter(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)
    for stale_id in list(stale.order_by("pk").values_list("pk", flat=True)[:STALE_TRIES]):
        stale_claims = Claim.objects.filter(task_id=stale_id, status=ClaimStatus.ACTIVE)
        held = locks.lock(stale_claims, skip_locked=not by_choice)
        if not by_choice and len(held) < stale_claims.count():
            continue  # someone holds its claim (the expiry job, a hand-in): never wait, take another
        # Still claimable once its claims are ours (the expiry job may have reopened it meanwhile).
        task = locks.lock_one(fitting.filter(pk=stale_id), skip_locked=not by_choice)
        if task is not None:
            return task
    return None


def _why_no_task(candidates, fit: _Fit, *, project: Project, by_choice: bool):
    """The refusal when nothing was taken: the shortest task she could have had says which rule
    stood in the way; if it fitted, someone faster is taking it at this very moment."""
    shortest = candidates.aggregate(units=Min("units"))["units"]
    faster = TaskAlreadyClaimed() if by_choice else NoTaskAvailable()
    if shortest is None:
        return faster
    task_minutes = math.ceil(shortest * project.minutes_per_unit)
    if shortest > fit.slot_units:
        slot_minutes = int(fit.slot_seconds // 60)
        return TaskTooLongForSlot(
            _(
                "This task takes about %(task)s minutes, but the time slot is only %(slot)s minutes long. "
                "Please choose a longer time slot."
            )
            % {"task": task_minutes, "slot": slot_minutes},
            details={"task_minutes": task_minutes, "slot_minutes": slot_minutes},
        )
    if shortest > fit.room_units:
        return _overlap(fit.room, task_minutes=task_minutes)
    if shortest > fit.hours_units:
        return HoursLimitReached(details={"minutes_left": int(max(fit.minutes_left, 0))})
    return faster


def _overlap(room: schedule.Room, *, task_minutes: int) -> ClaimsOverlap:
    """Her claims at that time leave too little room: named by the first of them."""
    details = {
        "claim": room.clashing[0] if room.clashing else None,
        "claims": list(room.clashing),
        "minutes_free": max(0, int(room.seconds // 60)),
        "task_minutes": task_minutes,
    }
    first = Claim.objects.select_related("project", "slot").filter(pk=details["claim"]).first()
    if first is None:
        return ClaimsOverlap(details=details)
    start, end = timezone.localtime(first.slot.starts_at), timezone.localtime(first.slot.ends_at)
    return ClaimsOverlap(
        _(
            "You already have “%(title)s” to do in %(time)s, and this task would not fit beside it. "
            "Please hand that one in or give it back first, or choose another time."
        )
        % {"title": first.project.title, "time": f"{start:%m-%d %H:%M}–{end:%H:%M}"},
        details=details,
    )

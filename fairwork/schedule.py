"""Her time: whether a mother can still do every task she holds in its slot.

Each live claim is a job with a window (its slot, start → end) and a length (the planned
minutes: task units × the project's minutes per unit). She can pause one job for another
(stop a bag batch to finish an article), and do ``parallel`` at once
(``HOMESLOT_PARALLEL_CLAIMS``, 1 by default). A set of such jobs can all be done in time
exactly when, for every pair of window ends ``a ≤ b``, the jobs whose windows lie inside
``[a, b]`` need at most ``parallel × (b − a)`` — the classic test for preemptive scheduling
with release times and deadlines.

:func:`room_beside` answers "how long may a new task in this slot be?": the least spare time
over the intervals that contain the new slot. Only the claims chained to the new slot by
overlapping windows can make that least, so the others are left out (claims made long ago
that do not fit among themselves do not block her now). Pure: the caller passes the facts;
nothing here reads the database. Lengths are compared in exact seconds (minutes have two
decimals), the same arithmetic as the PostgreSQL claim function (``tasks.claim_sql``).
"""

import dataclasses
import datetime
from decimal import Decimal

from django.conf import settings

_MICRO = datetime.timedelta(microseconds=1)


@dataclasses.dataclass(frozen=True)
class Job:
    """One live claim as her time sees it."""

    claim_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    minutes: Decimal


@dataclasses.dataclass(frozen=True)
class Room:
    """The longest new task (in seconds) that still leaves all her claims doable, and the claims
    that make it that short (the tightest interval's), earliest first."""

    seconds: Decimal
    clashing: tuple[int, ...]

    @property
    def minutes(self) -> Decimal:
        return self.seconds / 60


def seconds_between(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    return Decimal((end - start) // _MICRO) / 1_000_000


def parallel_claims() -> int:
    return settings.HOMESLOT_PARALLEL_CLAIMS


def room_beside(
    held: list[Job], *, starts_at: datetime.datetime, ends_at: datetime.datetime, parallel: int | None = None
) -> Room:
    """How much work a new claim in the slot ``starts_at → ends_at`` may hold, beside ``held``."""
    parallel = parallel_claims() if parallel is None else parallel
    chained = _chained(held, starts_at, ends_at)
    points = sorted({starts_at, ends_at, *(j.starts_at for j in chained), *(j.ends_at for j in chained)})
    lefts = [p for p in points if p <= starts_at]
    rights = [p for p in points if p >= ends_at]
    best: Room | None = None
    for a in lefts:
        inside = sorted((j for j in chained if j.starts_at >= a), key=lambda j: (j.ends_at, j.claim_id))
        taken, need = 0, Decimal(0)
        for b in rights:
            while taken < len(inside) and inside[taken].ends_at <= b:
                need += inside[taken].minutes * 60
                taken += 1
            spare = parallel * seconds_between(a, b) - need
            if best is None or spare < best.seconds:
                clashing = sorted(inside[:taken], key=lambda j: (j.starts_at, j.claim_id))
                best = Room(seconds=spare, clashing=tuple(j.claim_id for j in clashing))
    return best


def _chained(held: list[Job], starts_at, ends_at) -> list[Job]:
    """The claims linked to the new window by a chain of overlapping windows."""
    chained, low, high = [], starts_at, ends_at
    remaining = sorted(held, key=lambda j: (j.starts_at, j.ends_at, j.claim_id))
    grew = True
    while grew:
        grew = False
        for job in list(remaining):
            if job.starts_at < high and job.ends_at > low:
                chained.append(job)
                remaining.remove(job)
                low, high = min(low, job.starts_at), max(high, job.ends_at)
                grew = True
    return chained

"""One claim rule set, proved: random small worlds, each driven from the same starting state
through the ORM path (``tasks.services.claims._claim``) and through the SQL path (on PostgreSQL:
the plpgsql ``homeslot_claim_next`` first, the ORM path only where it declines), each in its own
savepoint, twice: claim-next (``services.task_claim_next``) and the claim of a task she chose
(``services.task_claim``: the pages' and the API's claim of a given task), with or without her
confirmation of a slot outside her weekly windows. The outcomes must be identical: the same
refusal (class, code, details, message), or a claim with identical rows by value — the claim,
the task, the slots' counts, the audit entry, the outbox events, any notice — and an identical
answer (``ClaimOut``).

The function may decline what the ORM path takes only for the reasons its docstring gives
(``tasks.claim_sql``): the task she gets is one whose claim ran out, or a live claim of hers in
another window shares time with the slot. Any other decline is a failure too, so the function is
not quietly the slow path: a slot outside her windows that she confirmed is taken in one
statement (checked: it is drawn, and taken so, both ways).

The worlds are small and many: her weekly windows, her other claims (live, run out, handed in,
reviewed, given back) in the same window, beside it, around it or on other days of the week,
hours she already worked, the parallel-claims and hour limits of the settings, projects with
their rates, regions, kinds, minutes per unit, claim limits and states, tasks open, taken, run
out or done, slots full, closed or past, staff of the company or of another, and, in Berlin,
the days the clocks change on (a day of 23 or 25 hours), and item groups (labelling overlap: a task
of a group she ever had a claim in is never hers), all drawn by hypothesis.

Every refusal each way can give is drawn (checked after the run); claim-next's do not include
``task_already_claimed``, which it gives only when two claims race for one task (the unique index;
tests/concurrency); a chosen task's include it (taken by another, handed in, done) and not
``no_task_available``, and ``already_labelled`` (a task of a group she had). The chosen task is one of the project's (in any state), one that does not
exist, or one of another project.
"""

import collections
import dataclasses
import datetime
import itertools
import os
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry, Company, Membership, Role, User
from fairwork.selectors import fits_availability
from notices.models import Notice
from realtime.models import OutboxEvent
from tasks import services
from tasks.models import Claim, Project, Task, TimeSlot
from tasks.serializers import ClaimOut
from tasks.services import claims
from workers.models import AvailabilityWindow, WorkerProfile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@dataclasses.dataclass(frozen=True)
class Clock:
    """The platform's time zone (settings.TIME_ZONE) and the moment of the claim."""

    zone: str
    now: datetime.datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = Clock("Asia/Shanghai", datetime.datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI))  # the week on both sides
# Days the clocks change on: Sunday 25 October 2026 has 25 hours in Berlin, Sunday 29 March 23.
CLOCKS_CHANGE = (
    Clock("Europe/Berlin", datetime.datetime(2026, 10, 25, 6, 0, tzinfo=BERLIN)),
    Clock("Europe/Berlin", datetime.datetime(2026, 3, 29, 6, 0, tzinfo=BERLIN)),
)

REFUSALS = {
    "forbidden",
    "not_found",
    "invalid_slot",
    "project_not_open",
    "slot_closed",
    "own_company_work",
    "outside_availability",
    "claim_limit_reached",
    "slot_full",
    "no_task_available",
    "task_too_long_for_slot",
    "claims_overlap",
    "hours_limit_reached",
}
REFUSALS_OF_A_CHOSEN_TASK = (REFUSALS - {"no_task_available"}) | {"task_already_claimed", "already_labelled"}
LEFT_TO_THE_ORM = {"a task whose claim ran out", "a claim in another window"}
WAYS = ("claim-next", "chosen task")


# --- worlds (plain data) ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProjectSpec:
    own_company: bool  # the target company (hers to claim from) or another
    status: str
    kind: str
    minutes_per_unit: Decimal
    claim_limit: int
    grace_minutes: int
    piece_rate: Decimal
    region: str


@dataclasses.dataclass(frozen=True)
class SlotSpec:
    day: int  # days from the clock's date
    start: int  # minutes after local midnight
    length: int  # minutes
    capacity: int
    taken: int


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    minutes: int  # about this long: units = minutes / the project's minutes per unit
    state: str  # open | taken (another's live claim) | stale (another's claim ran out) | submitted | accepted


@dataclasses.dataclass(frozen=True)
class HeldSpec:
    """One claim of hers."""

    project: int  # 0: the target project; else an index into World.others (1-based)
    window: str  # where its slot lies beside the target slot
    minutes: int
    status: str  # live | lapsed | submitted | done | released | expired
    group: int = 0  # its task's item group (in the target project; 0: none)


@dataclasses.dataclass(frozen=True)
class World:
    clock: Clock
    limits: tuple[int, int, int]  # hours per day, hours per week, parallel claims
    who: str  # mother | not_a_worker | staff_here | staff_elsewhere
    windows: tuple[tuple[int, int, int], ...]  # (weekday, start minute, end minute)
    project: ProjectSpec
    tasks: tuple[TaskSpec, ...]
    slot: SlotSpec
    target: str  # own (the project's slot) | foreign (another project's) | missing
    others: tuple[ProjectSpec, ...]
    held: tuple[HeldSpec, ...]
    confirmed: bool
    chosen: int  # the task she chooses: ≥ 0 the target project's (by position), -1 none such, -2 another's
    grouped: bool = False  # the target project's tasks in item groups of two (1, 1, 2, 2, 3)


def weighted(*pairs):
    """``(weight, value)`` pairs; the first is what shrinking aims for. It is also put last: the
    ends of a list are drawn more often than its middle."""
    (times, first), rest = pairs[0], pairs[1:]
    values = [value for weight, value in rest for _ in range(weight)]
    return st.sampled_from([first] * (times - times // 2) + values + [first] * (times // 2))


MINUTES_PER_UNIT = [Decimal(m) for m in ("1.00", "10.00", "30.00", "0.50", "7.50", "45.00", "60.00", "0.08", "13.33")]
TASK_MINUTES = [30, 60, 20, 90, 45, 110, 120, 10, 150, 200]


# Each run draws worlds of one kind (``worlds(gate)``), so that every refusal comes up in a short
# run whatever the draw: first the refusals decided before her time and hours are looked at, one
# fact each; then worlds rich in her claims, her hours, or neither, where the other refusals and
# the claims come from.
SIMPLE_GATES = ("not_a_worker", "staff_here", "draft", "closed", "paused", "foreign", "missing", "ended", "full")
SIMPLE_GATES += ("outside", "confirmed")  # outside her windows; the same, and she confirmed
# beside: a short claim of hers in a window that shares time with the slot (room left beside it);
# stale: tasks whose claims ran out; clocks_change: in Berlin, on those days.
# groups: the target project's tasks in item groups, her claims in some of them.
RICH_GATES = ("limit", "hours", "time", "beside", "stale", "clocks_change", "groups", "any")
# 217 worlds in all, the same ones every run; HOMESLOT_CLAIM_DIFFERENTIAL_SCALE=20 draws 20 times as
# many, new ones each run (a longer hunt on a developer's machine).
SCALE = int(os.environ.get("HOMESLOT_CLAIM_DIFFERENTIAL_SCALE", "1"))
RUNS = (*((gate, 7 * SCALE) for gate in SIMPLE_GATES), *((gate, 20 * SCALE) for gate in RICH_GATES))
HELD_WINDOWS = {
    "limit": ((3, "disjoint"), (2, "this_week"), (1, "last_week"), (1, "adjacent")),
    "hours": ((3, "this_week"), (2, "same"), (2, "disjoint"), (1, "last_week"), (1, "overlap")),
    "time": ((3, "same"), (2, "overlap"), (2, "inside"), (1, "contains"), (1, "same_slot"), (1, "adjacent")),
    "beside": ((2, "overlap"), (2, "inside"), (1, "contains")),
    "clocks_change": ((3, "disjoint"), (2, "adjacent"), (1, "same"), (1, "this_week")),  # late evening, past midnight
    "groups": ((3, "disjoint"), (2, "this_week"), (1, "last_week"), (1, "same_slot")),
}
HELD_STATUSES = {
    "limit": ((4, "live"), (1, "lapsed"), (1, "submitted")),
    "hours": ((3, "done"), (2, "submitted"), (2, "live"), (1, "released"), (1, "expired")),
    "time": ((5, "live"), (1, "lapsed"), (1, "submitted"), (1, "released")),
    "beside": ((1, "live"),),
    "clocks_change": ((3, "live"), (2, "done"), (1, "submitted")),
    # Whatever its status, a claim in a group keeps her out of it: mostly ended ones (no limit reached).
    "groups": ((3, "released"), (2, "done"), (2, "expired"), (1, "submitted"), (1, "live")),
}
ANY_WINDOWS = (
    *((3, "same"), (2, "disjoint"), (2, "overlap"), (1, "inside"), (1, "contains")),
    *((1, "adjacent"), (1, "same_slot"), (2, "this_week"), (1, "last_week")),
)
ANY_STATUSES = ((6, "live"), (2, "done"), (1, "submitted"), (1, "released"), (1, "lapsed"), (1, "expired"))


@st.composite
def projects(draw, *, own_company: bool, status: str | None = None, claim_limit=None) -> ProjectSpec:
    return ProjectSpec(
        own_company=own_company,
        status=status or draw(weighted((6, "published"), (1, "paused"), (1, "draft"), (1, "closed"))),
        kind=draw(st.sampled_from(["assembly", "copywriting", "labelling"])),
        minutes_per_unit=draw(st.sampled_from(MINUTES_PER_UNIT)),
        claim_limit=draw(weighted((3, 2), (2, 1), (2, 3)) if claim_limit is None else claim_limit),
        grace_minutes=draw(st.sampled_from([30, 0, 90])),
        piece_rate=draw(st.sampled_from([Decimal("0.5000"), Decimal("15.0000"), Decimal("0.0350")])),
        region=draw(st.sampled_from(["广东省佛山市", "广州市", "上海市", ""])),
    )


@st.composite
def slots(draw, gate: str) -> SlotSpec:
    capacity = draw(st.integers(1, 3))
    return SlotSpec(
        # -1: yesterday (ended); 5: next Monday, a new week. Today's early slots may have ended too.
        day=-1
        if gate == "ended"
        else draw(
            weighted((3, 0), (1, 1)) if gate == "clocks_change" else weighted((4, 0), (3, 1), (2, 2), (1, 5), (1, 3))
        ),
        start=draw(
            st.sampled_from([21 * 60, 22 * 60, 20 * 60, 23 * 60, 9 * 60])
            if gate == "clocks_change"
            else st.sampled_from([9 * 60, 10 * 60, 13 * 60, 8 * 60, 10 * 60 + 30, 23 * 60, 6 * 60])
        ),
        length=draw(st.sampled_from([60, 30, 90, 45] if gate == "clocks_change" else [60, 120, 30, 90, 180, 45])),
        capacity=capacity,
        taken=capacity if gate == "full" else draw(weighted((4, 0), (1, capacity - 1))),
    )


@st.composite
def windows_for(draw, slot: SlotSpec, gate: str, clock: Clock) -> tuple:
    """None (most mothers), or a few weekly windows: around the target slot, or not."""
    weekday = (clock.now.date() + datetime.timedelta(days=slot.day)).weekday()
    if gate in ("outside", "confirmed"):
        kinds = draw(st.lists(st.sampled_from(["early", "other_day"]), min_size=1, max_size=2))
    elif gate != "any" or draw(st.booleans()):
        kinds = []
    else:
        kinds = draw(st.lists(st.sampled_from(["covers", "early", "other_day", "tight"]), min_size=1, max_size=3))
    out = []
    for kind in kinds:
        start, end = slot.start, min(slot.start + slot.length, 24 * 60 - 1)
        if kind == "covers":
            out.append((weekday, max(0, start - 60), min(24 * 60 - 1, end + 30)))
        elif kind == "early":  # ends before the slot does
            out.append((weekday, max(0, start - 120), min(24 * 60 - 1, start + slot.length // 2)))
        elif kind == "other_day":
            out.append(((weekday + 1) % 7, max(0, start - 60), min(24 * 60 - 1, end + 60)))
        else:
            out.append((weekday, start, end))
    return tuple(out)


@st.composite
def worlds(draw, gate: str) -> World:
    clock = draw(st.sampled_from(CLOCKS_CHANGE)) if gate == "clocks_change" else WEDNESDAY
    slot = draw(slots(gate))
    # Her other projects: the hours count only her work for the same company.
    others = tuple(
        draw(projects(own_company=True if gate in ("hours", "clocks_change") else draw(st.booleans())))
        for _ in range(
            draw(weighted((2, 1), (1, 2)) if gate in ("hours", "time") else weighted((2, 1), (1, 0), (1, 2)))
        )
    )
    in_target_project = {"limit": 4, "hours": 1, "time": 1, "beside": 1, "clocks_change": 1, "groups": 6}.get(gate, 2)
    held = tuple(
        HeldSpec(
            project=draw(weighted((in_target_project, 0), *((2, i) for i in range(1, len(others) + 1)))),
            window=draw(weighted(*HELD_WINDOWS.get(gate, ANY_WINDOWS))),
            minutes=draw(
                st.sampled_from(
                    {"hours": [120, 180, 240, 600, 60], "clocks_change": [30, 45, 60, 20], "beside": [20, 30]}.get(
                        gate, [30, 60, 90, 110, 20, 120, 180]
                    )
                )
            ),
            status=draw(weighted(*HELD_STATUSES.get(gate, ANY_STATUSES))),
            group=draw(weighted((2, 1), (1, 0), (1, 2), (1, 3))) if gate == "groups" else 0,
        )
        for _ in range(
            draw(
                weighted((3, 1), (2, 2), (1, 3))
                if gate in HELD_WINDOWS
                else weighted((1, 0))
                if gate in SIMPLE_GATES
                else weighted((3, 0), (3, 1), (2, 2), (1, 3))
            )
        )
    )
    who = gate if gate in ("not_a_worker", "staff_here") else draw(weighted((6, "mother"), (1, "staff_elsewhere")))
    limits = (4, 24, 1), (4, 24, 2), (2, 6, 1), (1, 24, 2)
    many_tasks = weighted((2, 2), (2, 1), (2, 3), (1, 5))
    return World(
        clock=clock,
        limits=draw(
            weighted((1, limits[0]), (1, limits[2]), (1, limits[3]))
            if gate == "hours"
            else weighted((1, limits[3]), (1, limits[2]), (1, (1, 2, 2)))
            if gate == "clocks_change"
            else weighted((8, limits[0]), (1, limits[1]), (1, limits[2]), (1, limits[3]))
        ),
        who=who,
        windows=draw(windows_for(slot, gate, clock)),
        project=draw(
            projects(
                own_company=True,
                status=gate if gate in ("draft", "closed", "paused") else "published",
                claim_limit=weighted((1, 1), (1, 2)) if gate == "limit" else None,
            )
        ),
        tasks=tuple(
            TaskSpec(
                minutes=draw(st.sampled_from([20, 30, 10, 45] if gate == "beside" else TASK_MINUTES)),
                state=draw(
                    weighted((3, "stale"), (1, "open"), (1, "taken"))
                    if gate == "stale"
                    else weighted((8, "open"), (2, "taken"), (2, "stale"), (1, "submitted"), (1, "accepted"))
                ),
            )
            for _ in range(draw(many_tasks if gate != "any" else weighted((2, 2), (2, 1), (2, 3), (1, 0), (1, 5))))
        ),
        slot=slot,
        target=gate if gate in ("foreign", "missing") else "own",
        others=others,
        held=held,
        confirmed=gate == "confirmed" or (gate == "any" and draw(weighted((3, False), (2, True)))),
        chosen=draw(weighted((4, 0), (2, 1), (1, 2), (1, 4), (1, -1), (1, -2))),
        grouped=gate == "groups" or (gate == "any" and draw(st.booleans())),
    )


# --- the world in the database ----------------------------------------------------------------------

_phones = itertools.count(1)
HOUR = datetime.timedelta(hours=1)


def _at(clock: Clock, day: int, minute: int) -> datetime.datetime:
    """``minute`` minutes of wall-clock time after the local midnight ``day`` days from now."""
    date = clock.now.date() + datetime.timedelta(days=day)
    local = datetime.datetime.combine(date, datetime.time(minute // 60, minute % 60), tzinfo=clock.tz)
    return local.astimezone(datetime.UTC)


def _user(name: str, *, worker: bool) -> User:
    user = User.objects.create(phone=f"+8613{next(_phones):09d}", display_name=name)
    if worker:
        WorkerProfile.objects.create(user=user, display_name=name)
    return user


def _project(spec: ProjectSpec, company: Company, title: str) -> Project:
    return Project.objects.create(
        company=company,
        kind=spec.kind,
        title=title,
        status=spec.status,
        piece_rate=spec.piece_rate,
        unit="件",
        minutes_per_unit=spec.minutes_per_unit,
        region=spec.region,
        label_set=["好评", "差评"] if spec.kind == "labelling" else [],
        grace_minutes=spec.grace_minutes,
        claim_limit=spec.claim_limit,
    )


def _units(minutes: int, project: Project) -> int:
    return max(1, int(Decimal(minutes) / project.minutes_per_unit))


class _Numbers:
    def __init__(self):
        self.next = collections.Counter()

    def __call__(self, project: Project) -> int:
        self.next[project.pk] += 1
        return self.next[project.pk]


def _held_window(window: str, slot: TimeSlot, clock: Clock) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = slot.starts_at, slot.ends_at
    length = end - start
    half = length / 2
    if window == "same":
        return start, end
    if window == "disjoint":
        return end + HOUR, end + 2 * HOUR
    if window == "overlap":
        return start + half, end + half
    if window == "inside":
        return start + length / 4, end - length / 4
    if window == "contains":
        return start - HOUR, end + HOUR
    if window == "adjacent":
        return end, end + HOUR
    day = start.astimezone(clock.tz).date()
    monday = day - datetime.timedelta(days=day.weekday())
    if window == "this_week":  # another day of the target's week
        other = monday if day != monday else monday + datetime.timedelta(days=1)
        begins = datetime.datetime.combine(other, datetime.time(14), tzinfo=clock.tz)
        return begins, begins + 2 * HOUR
    begins = datetime.datetime.combine(monday - datetime.timedelta(days=3), datetime.time(14), tzinfo=clock.tz)
    return begins, begins + 2 * HOUR  # last_week


def _claim_row(*, task: Task, worker: User, slot: TimeSlot, project: Project, status: str, now) -> Claim:
    """A claim in ``status`` and its task in the matching state (live: the deadline is still ahead)."""
    ends = slot.ends_at + datetime.timedelta(minutes=project.grace_minutes)
    claimed_at = min(slot.starts_at, now) - HOUR
    fields = {"claimed_at": claimed_at, "expires_at": ends}
    if status in ("live", "lapsed"):
        if status == "live" and ends <= now:
            fields["expires_at"] = now + HOUR
        if status == "lapsed":
            fields["expires_at"] = now - datetime.timedelta(minutes=1)
            fields["claimed_at"] = now - 3 * HOUR
        Task.objects.filter(pk=task.pk).update(status="claimed", claim_expires_at=fields["expires_at"])
        claim_status = "active"
    elif status == "submitted":
        Task.objects.filter(pk=task.pk).update(status="submitted")
        claim_status = "submitted"
    elif status == "done":  # accepted, or (odd units) half of it: her hours count what was accepted
        accepted = task.units if task.units % 2 == 0 else task.units // 2
        state = "accepted" if accepted == task.units else "partially_accepted"
        Task.objects.filter(pk=task.pk).update(status=state, accepted_units=accepted)
        claim_status = "done"
    else:  # released, expired: the task went back to the hall
        claim_status = status
        fields["ended_at"] = now - datetime.timedelta(minutes=5)
        fields["claimed_at"] = now - 2 * HOUR
        fields["expires_at"] = max(ends, now - HOUR)
    return Claim.objects.create(task=task, worker=worker, slot=slot, project=project, status=claim_status, **fields)


def build(world: World) -> dict:
    """The world's rows; returns the ids the claim is asked with."""
    here = Company.objects.create(name="甲公司")
    elsewhere = Company.objects.create(name="乙公司")
    her = _user("她", worker=world.who != "not_a_worker")
    if world.who == "staff_here":
        WorkerProfile.objects.get_or_create(user=her, defaults={"display_name": "她"})
        Membership.objects.create(user=her, company=here, role=Role.SUPERVISOR)
    elif world.who == "staff_elsewhere":
        Membership.objects.create(user=her, company=elsewhere, role=Role.FINANCE)
    if world.windows and world.who != "not_a_worker":
        profile = WorkerProfile.objects.get(user=her)
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(
                worker=profile,
                weekday=weekday,
                start=datetime.time(start // 60, start % 60),
                end=datetime.time(end // 60, end % 60),
            )
            for weekday, start, end in world.windows
        )
    another = _user("另一位妈妈", worker=True)
    number = _Numbers()

    project = _project(world.project, here, "目标项目")
    others = [_project(s, here if s.own_company else elsewhere, f"别的项目{i}") for i, s in enumerate(world.others)]
    spec = world.slot
    clock, now = world.clock, world.clock.now
    starts = _at(clock, spec.day, spec.start)
    slot = TimeSlot.objects.create(
        project=project, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=spec.length), capacity=9
    )
    in_target_slot = 0

    # Her claims, each on a task of its own.
    for held in world.held:
        owner = project if held.project == 0 else others[held.project - 1]
        task = Task.objects.create(
            project=owner,
            number=number(owner),
            units=_units(held.minutes, owner),
            item_group=(held.group or None) if owner == project else None,
        )
        if held.window == "same_slot" and owner == project:
            held_slot = slot
            in_target_slot += held.status in ("live", "lapsed", "submitted", "done")
        else:
            begins, ends = _held_window("same" if held.window == "same_slot" else held.window, slot, clock)
            held_slot = TimeSlot.objects.create(
                project=owner, starts_at=begins, ends_at=ends, capacity=3, claimed_count=1
            )
        _claim_row(task=task, worker=her, slot=held_slot, project=owner, status=held.status, now=now)

    # The target project's tasks.
    elsewhere_slot = TimeSlot.objects.create(
        project=project, starts_at=_at(clock, 1, 15 * 60), ends_at=_at(clock, 1, 17 * 60), capacity=9
    )
    busy = 0
    target_tasks = []
    for position, task_spec in enumerate(world.tasks):
        task = Task.objects.create(
            project=project,
            number=number(project),
            units=_units(task_spec.minutes, project),
            item_group=position // 2 + 1 if world.grouped else None,
        )
        target_tasks.append(task.pk)
        if task_spec.state == "open":
            continue
        status = {"taken": "live", "stale": "lapsed", "submitted": "submitted", "accepted": "done"}[task_spec.state]
        _claim_row(task=task, worker=another, slot=elsewhere_slot, project=project, status=status, now=now)
        busy += 1
    TimeSlot.objects.filter(pk=elsewhere_slot.pk).update(claimed_count=busy)
    capacity = max(spec.capacity, spec.taken + in_target_slot, 1)
    TimeSlot.objects.filter(pk=slot.pk).update(
        capacity=capacity, claimed_count=min(capacity, spec.taken + in_target_slot)
    )

    if world.target == "own":
        slot_id = slot.pk
    elif world.target == "foreign":
        foreign = others[0] if others else _project(world.project, elsewhere, "乙的项目")
        slot_id = TimeSlot.objects.create(project=foreign, starts_at=starts, ends_at=slot.ends_at, capacity=3).pk
    else:
        slot_id = TimeSlot.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    if world.chosen >= 0 and target_tasks:
        chosen = target_tasks[world.chosen % len(target_tasks)]
    elif world.chosen == -2:  # open, in another project (the foreign slot's, when there is one)
        owner = others[0] if others else _project(world.project, elsewhere, "乙的另一个项目")
        chosen = Task.objects.create(project=owner, number=number(owner), units=1).pk
    else:
        chosen = Task.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    return {"worker": her.pk, "project": project.pk, "slot": slot_id, "task": chosen}


# --- one path, in a savepoint ------------------------------------------------------------------------

TABLES = {
    "task": (Task, ("status", "claim_expires_at", "accepted_units", "updated_at")),
    "slot": (TimeSlot, ("claimed_count",)),
    "claim": (Claim, None),
    "audit": (AuditEntry, None),
    "event": (OutboxEvent, None),
    "notice": (Notice, None),
}


def snapshot() -> dict:
    out = {}
    for name, (model, fields) in TABLES.items():
        rows = model.objects.values("pk", *(fields or ()))
        out[name] = {row.pop("pk"): row for row in rows} if fields else {r["id"]: r for r in model.objects.values()}
    return out


def changes(before: dict, after: dict) -> dict:
    """What a path wrote, by value: rows changed (by id: they existed before), rows added (new ids
    replaced by their order, and so are references to them)."""
    name_of = {
        name: {pk: f"<new {name} {i}>" for i, pk in enumerate(sorted(set(after[name]) - set(before[name])))}
        for name in ("claim", "notice")
    }

    def by_value(row: dict) -> dict:
        row = {k: v for k, v in row.items() if k != "id"}
        if row.get("target_type") == "tasks.claim" and row.get("target_id", "").isdigit():
            row["target_id"] = name_of["claim"].get(int(row["target_id"]), row["target_id"])
        if isinstance(row.get("data"), dict):
            row["data"] = {k: name_of[k].get(v, v) if k in name_of else v for k, v in row["data"].items()}
        return row

    out = {}
    for name in TABLES:
        old, new = before[name], after[name]
        assert set(old) <= set(new), f"{name} rows deleted"
        changed = {pk: (old[pk], new[pk]) for pk in old if old[pk] != new[pk]}
        added = [by_value(new[pk]) for pk in sorted(set(new) - set(old))]
        out[name] = {"changed": changed, "added": added}
    return out


@dataclasses.dataclass
class Outcome:
    refusal: tuple | None = None
    written: dict | None = None
    answer: dict | None = None
    task_id: int | None = None
    in_one_statement: bool = False


def run(claim) -> Outcome:
    before = snapshot()
    outcome = Outcome()
    with transaction.atomic():
        try:
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                made = claim()
        except Exception as exc:
            if not isinstance(getattr(exc, "code", None), str):
                raise
            outcome.refusal = (type(exc).__name__, exc.code, getattr(exc, "details", None), str(exc))
            assert changes(before, snapshot()) == changes(before, before), "a refusal wrote something"
        else:
            outcome.written = changes(before, snapshot())
            answer = dict(ClaimOut(made).data)
            answer["id"] = "<new claim 0>" if answer["id"] not in before["claim"] else answer["id"]
            outcome.answer, outcome.task_id = answer, made.task_id
            # The ORM path locks her profile row itself; the one statement does it inside the function.
            outcome.in_one_statement = not any(
                '"workers_workerprofile"' in q["sql"] and "FOR UPDATE" in q["sql"] for q in queries.captured_queries
            )
        transaction.set_rollback(True)
    return outcome


def why_left_to_the_orm(asked: dict, taken_task: int) -> set[str]:
    """The documented reasons the function leaves a claim the ORM path makes to the ORM path."""
    reasons = set()
    if Task.objects.filter(pk=taken_task, status="claimed").exists():
        reasons.add("a task whose claim ran out")
    slot = TimeSlot.objects.get(pk=asked["slot"])
    live = Claim.objects.filter(worker_id=asked["worker"], status="active", expires_at__gt=timezone.now())
    if live.filter(slot__starts_at__lt=slot.ends_at, slot__ends_at__gt=slot.starts_at).exclude(
        slot__starts_at=slot.starts_at, slot__ends_at=slot.ends_at
    ):
        reasons.add("a claim in another window")
    return reasons


def outside_her_windows(asked: dict) -> bool:
    slot = TimeSlot.objects.get(pk=asked["slot"])
    profile = WorkerProfile.objects.get(user_id=asked["worker"])
    return not fits_availability(profile, slot.starts_at, slot.ends_at)


def compare(world: World, seen: collections.Counter) -> None:
    note(f"{world!r}")  # printed with a failing example
    hours_day, hours_week, parallel = world.limits
    limits = {"HOMESLOT_HOURS_PER_DAY": hours_day, "HOMESLOT_HOURS_PER_WEEK": hours_week}
    limits["HOMESLOT_PARALLEL_CLAIMS"] = parallel
    if world.clock.zone != django_settings.TIME_ZONE:  # (changing it costs: Django resets every connection's)
        limits["TIME_ZONE"] = world.clock.zone
    with (
        time_machine.travel(world.clock.now.astimezone(datetime.UTC), tick=False),
        override_settings(**limits),
        transaction.atomic(),
    ):
        asked = build(world)

        def args():
            return {"worker": User.objects.get(pk=asked["worker"]), "slot_id": asked["slot"]}

        ways = {
            "claim-next": (
                lambda: claims._claim(**args(), project_id=asked["project"], confirmed=world.confirmed),
                lambda: services.task_claim_next(
                    **args(), project_id=asked["project"], confirm_outside_availability=world.confirmed
                ),
            ),
            "chosen task": (
                lambda: claims._claim(**args(), task_id=asked["task"], confirmed=world.confirmed),
                lambda: services.task_claim(
                    **args(), task_id=asked["task"], confirm_outside_availability=world.confirmed
                ),
            ),
        }
        for way, (through_the_orm, through_sql) in ways.items():
            orm, sql = run(through_the_orm), run(through_sql)
            if orm.refusal is not None:
                label = f"refused: {orm.refusal[1]}"
            elif sql.in_one_statement:
                label = "taken in one statement"
                if world.confirmed and outside_her_windows(asked):
                    seen[f"{way}: taken in one statement outside her windows, confirmed"] += 1
            else:
                reasons = why_left_to_the_orm(asked, orm.task_id)
                assert reasons, (
                    f"{way}: the one-statement claim declined a claim the ORM path makes, for no documented reason"
                )
                label = "taken by the ORM path: " + " + ".join(sorted(reasons))
                seen.update(f"{way}: left to the ORM: {reason}" for reason in reasons)
            event(f"{way}: {label}")
            seen[f"{way}: {label}"] += 1
            assert sql.refusal == orm.refusal, way
            assert sql.written == orm.written, way
            assert sql.answer == orm.answer, way
            assert sql.task_id == orm.task_id, way
        transaction.set_rollback(True)


def test_the_orm_path_and_the_sql_path_agree_on_random_worlds(on_postgres):
    seen = collections.Counter()
    for gate, examples in RUNS:

        @settings(max_examples=examples, deadline=None, derandomize=SCALE == 1, database=None, print_blob=True)
        @given(world=worlds(gate))
        def agree(world):
            compare(world, seen)

        agree()

    tally = sorted(seen.items())

    for way, expected in zip(WAYS, (REFUSALS, REFUSALS_OF_A_CHOSEN_TASK), strict=True):
        labels = {label.removeprefix(f"{way}: ") for label in seen if label.startswith(f"{way}: ")}
        refusals = {label.removeprefix("refused: ") for label in labels if label.startswith("refused: ")}
        assert refusals == expected, f"{way}: never drawn: {sorted(expected - refusals)}; {tally}"
        assert seen[f"{way}: taken in one statement"] >= 20, tally
        assert seen[f"{way}: taken in one statement outside her windows, confirmed"] >= 3, tally
        left = {label.removeprefix("left to the ORM: ") for label in labels if label.startswith("left to the ORM: ")}
        assert left == LEFT_TO_THE_ORM, (way, tally)

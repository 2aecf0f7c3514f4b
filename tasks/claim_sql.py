"""A claim on PostgreSQL in one round trip: the hot path of a batch release, and of every claim
a mother makes, through the API or the pages.

``homeslot_claim_next`` (installed by a migration) does exactly what ``services._claim`` does
for the common case — the mother is a worker (her profile row locked first, so her limit
holds: each statement after the lock sees claims committed meanwhile), the project is
published, the slot is the project's, has not ended and has room, she is under her limit, and
an *open* task exists (claim-next: ``FOR UPDATE SKIP LOCKED``; the task she chose, ``task``: a
conditional update of that task, which must be the slot's project's) — and writes the same
rows: the task claimed, the claim, the audit entry, the outbox events, and the slot's count
last, so the hot slot row is locked only for the end of the call. Run as one statement in
autocommit, no lock waits on a client round trip. When any rule does not hold it writes
nothing and returns no row; the caller then runs the ORM path, which raises the precise error
or takes a task whose claim expired. A slot filled by a concurrent claim raises SQLSTATE ``HS409``.

It also applies the fair-work rules of ``fairwork``: a slot outside the mother's weekly
windows (when she has set any) is left to the ORM path, which asks her to confirm, unless she
confirmed it (``confirmed``: then her windows are no reason to refuse, as there); only a task
that fits in what is left of her part-time hours with the company that day and week is taken;
staff of the project's company are left to the ORM path (which refuses them: their own
company's work). The career rule (``tasks.career``): a training project, and work that needs a
level of a skill she does not hold (``skills_workerskill``; no row is level 0), are left to the
ORM path, which refuses with ``skill_required`` (or counts her training attempts). The item-group
rule (labelling overlap): a task of an item group that holds a task she ever claimed in the project
is never hers — claim-next passes over it, the task she chose is left to the ORM path, which
refuses with ``already_labelled``. Her time (``fairwork.schedule``): a task must fit the slot's length, and beside
her live claims in the very same window (``HOMESLOT_PARALLEL_CLAIMS`` × the slot's length, less
what they need); a live claim in any *other* window that shares time with this slot is left to
the ORM path, which computes the exact rule. Lengths are compared in seconds, exactly as there,
so this function never takes a task the ORM path would refuse; when nothing fits, the ORM path
says which rule stood in the way.

Its SQL is frozen, one file per version, beside the migration that installs it
(``tasks/migrations/sql/claim_v<N>.sql``); a change is a new file and a new migration, so
migrating from scratch reproduces every version. Every limit and name it needs — the time
zone, her hours per day and week, the parallel-claims limit, the group names, the event and
audit names — is an argument, supplied here from the settings and the modules that own them on
each call (``call_params``); nothing is pasted into its text at ``migrate``. ``ARGUMENTS`` is
the signature, in one place: the statements below are built from it, and a test checks it
against the installed function and the frozen file.
"""

import json
from pathlib import Path

from django.conf import settings

from accounts.models import Company
from realtime.events import TASK_CLAIMED
from realtime.groups import company_staff_group, project_group, worker_group
from realtime.models import OutboxEvent
from tasks.models import Claim, ClaimStatus, Project, Submission, Task, TaskStatus, TimeSlot

SLOT_FULL_SQLSTATE = "HS409"
FUNCTION = "homeslot_claim_next"
VERSION = 7  # the version this code calls: installed by tasks/migrations/0022_slot_cancel.py
SQL_FILE = Path(__file__).resolve().parent / "migrations" / "sql" / f"claim_v{VERSION}.sql"
AUDIT_ACTION = "claim.create"

# The signature, in call order: (parameter of the statements below, argument, SQL type).
ARGUMENTS = (
    ("worker", "p_worker", "bigint"),
    ("project", "p_project", "bigint"),
    ("slot", "p_slot", "bigint"),
    ("task", "p_task", "bigint"),  # the task she chose; None: claim-next
    ("confirmed", "p_confirmed", "boolean"),  # she confirmed a slot outside her weekly windows
    ("now", "p_now", "timestamptz"),
    ("time_zone", "p_time_zone", "text"),
    ("day_minutes", "p_day_minutes", "integer"),
    ("week_minutes", "p_week_minutes", "integer"),
    ("parallel", "p_parallel", "integer"),
    ("project_group", "p_project_group", "text"),
    ("staff_group", "p_staff_group", "text"),
    ("worker_group", "p_worker_group", "text"),
    ("event_type", "p_event_type", "text"),
    ("audit_action", "p_audit_action", "text"),
    ("audit_target", "p_audit_target", "text"),
)
_ID = "%s"  # where format() puts the id in a group name template


def _call(worker: str) -> str:
    values = [worker if key == "worker" else f"%({key})s::{kind}" for key, _name, kind in ARGUMENTS]
    return f"{FUNCTION}({', '.join(values)})"


CLAIM_NEXT = f"SELECT * FROM {_call('%(worker)s::bigint')}"

# The fast path's one round trip: the token rule (accounts.tokens.TOKEN_USER_SQL), then the claim.
CLAIM_NEXT_FOR_TOKEN = "SELECT me.id, f.* FROM ({token_user}) AS me, LATERAL " + _call("me.id") + " AS f"


# The names the function writes, from the modules that own them.
NAMES = {
    "project_group": project_group(_ID),
    "staff_group": company_staff_group(_ID),
    "worker_group": worker_group(_ID),
    "event_type": TASK_CLAIMED,
    "audit_action": AUDIT_ACTION,
    "audit_target": Claim._meta.label_lower,  # as accounts.audit.audit_record names its target
}


def call_params(
    *,
    project_id: int | None,
    slot_id: int,
    now,
    worker_id: int | None = None,
    task_id: int | None = None,
    confirmed: bool = False,
) -> dict:
    """Every argument of one call, the limits read from the settings now (fairwork.selectors and
    fairwork.schedule read the same ones); ``worker_id`` None for the token statement. claim-next
    names the project; a claim of the task she chose names the task (``task_id``) and no project
    (the slot's, which must be the task's)."""
    params = {
        "project": project_id,
        "slot": slot_id,
        "task": task_id,
        "confirmed": bool(confirmed),
        "now": now,
        "time_zone": settings.TIME_ZONE,
        "day_minutes": settings.HOMESLOT_HOURS_PER_DAY * 60,
        "week_minutes": settings.HOMESLOT_HOURS_PER_WEEK * 60,
        "parallel": int(settings.HOMESLOT_PARALLEL_CLAIMS),
        **NAMES,
    }
    if worker_id is not None:
        params["worker"] = worker_id
    return params


COLUMNS = [
    *("claim_id", "task_id", "number", "brief", "units", "expires_at", "seat", "events"),
    *("starts_at", "ends_at", "capacity", "title", "kind", "company_id", "company_name", "unit", "piece_rate"),
    *("minutes_per_unit", "region", "pickup_point", "dropoff_point", "label_set", "project_status"),
    *("claim_limit", "grace_minutes", "project_id"),
]


def claim_from_row(row, *, worker, slot_id: int, now, project_id: int | None = None):
    """The Claim (with task, slot, project and company attached) that the statement wrote. Its
    project is the row's (``project_id``, when the caller knows it, is the same: claim-next's)."""
    r = dict(zip(COLUMNS, row, strict=True))
    project_id = r["project_id"]
    company = Company(id=r["company_id"], name=r["company_name"])
    project = Project(
        id=project_id,
        company=company,
        kind=r["kind"],
        title=r["title"],
        status=r["project_status"],
        piece_rate=r["piece_rate"],
        unit=r["unit"],
        minutes_per_unit=r["minutes_per_unit"],
        region=r["region"],
        pickup_point=r["pickup_point"],
        dropoff_point=r["dropoff_point"],
        label_set=r["label_set"] if isinstance(r["label_set"], list) else json.loads(r["label_set"] or "[]"),
        claim_limit=r["claim_limit"],
        grace_minutes=r["grace_minutes"],
    )
    slot = TimeSlot(
        id=slot_id,
        project=project,
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        capacity=r["capacity"],
        claimed_count=r["seat"],
    )
    task = Task(
        id=r["task_id"],
        project=project,
        number=r["number"],
        brief=r["brief"],
        units=r["units"],
        status=TaskStatus.CLAIMED,
        claim_expires_at=r["expires_at"],
    )
    claim = Claim(
        id=r["claim_id"],
        task=task,
        worker=worker,
        slot=slot,
        project=project,
        status=ClaimStatus.ACTIVE,
        claimed_at=now,
        expires_at=r["expires_at"],
        release_reason="",
    )
    claim._prefetched_objects_cache = {"submissions": Submission.objects.none()}
    events = r["events"] if isinstance(r["events"], list) else json.loads(r["events"])
    rows = [OutboxEvent(id=e["id"], type="task.claimed", group=e["group"], data=e["data"], at=now) for e in events]
    return claim, rows

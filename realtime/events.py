"""Every realtime event type Homeslot sends, and the one builder of each type's ``data``.

A service builds its event here and hands it to ``realtime.publish.publish(event, groups=...)``;
no payload is written anywhere else (a convention test holds that), so what a client receives
is defined once per type. Builders take plain values (ids, counts, strings), never models: the
apps above ``realtime`` turn their rows into these values. The README lists the types and their
data; the suite checks every event a test writes against its schema (``tests/realtime/event_checks.py``).

One payload is also written in SQL: ``task.claimed`` by the claim-next function of
``tasks.claim_sql`` (``jsonb_build_object``), which must stay in step with ``task_claimed`` below.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

TASK_OPENED = "task.opened"
TASK_CLAIMED = "task.claimed"
TASK_RELEASED = "task.released"
CLAIM_EXPIRED = "claim.expired"
SUBMISSION_CREATED = "submission.created"
REVIEW_DECIDED = "review.decided"
LEDGER_CREDITED = "ledger.credited"
PROJECT_PROGRESS = "project.progress"
NOTICE_CREATED = "notice.created"
PAYOUT_APPROVED = "payout.approved"
PAYOUT_PAID = "payout.paid"
SKILL_LEVEL_CHANGED = "skill.level_changed"
APPEAL_OPENED = "appeal.opened"
APPEAL_DECIDED = "appeal.decided"
RESULTS_READY = "results.ready"
HANDOVER_RECORDED = "handover.recorded"

ALL = (
    TASK_OPENED,
    TASK_CLAIMED,
    TASK_RELEASED,
    CLAIM_EXPIRED,
    SUBMISSION_CREATED,
    REVIEW_DECIDED,
    LEDGER_CREDITED,
    PROJECT_PROGRESS,
    NOTICE_CREATED,
    PAYOUT_APPROVED,
    PAYOUT_PAID,
    SKILL_LEVEL_CHANGED,
    APPEAL_OPENED,
    APPEAL_DECIDED,
    RESULTS_READY,
    HANDOVER_RECORDED,
)


@dataclass(frozen=True)
class Event:
    """One event to publish: its type and the JSON-ready ``data`` every group receives."""

    type: str
    data: dict[str, Any]


class TaskCounts(TypedDict):
    """A project's tasks by state (``project.progress``); expired claims count as open."""

    total: int
    open: int
    claimed: int
    submitted: int
    accepted: int
    partially_accepted: int
    rejected: int


def task_opened(*, project: int, tasks: list[int], count: int) -> Event:
    """Tasks a mother may claim now; ``tasks`` lists at most the first 500 of ``count``."""
    return Event(TASK_OPENED, {"project": project, "tasks": tasks, "count": count})


def task_claimed(*, project: int, task: int, slot: int, claim: int) -> Event:
    return Event(TASK_CLAIMED, {"project": project, "task": task, "slot": slot, "claim": claim})


def task_released(*, project: int, task: int, claim: int) -> Event:
    return Event(TASK_RELEASED, {"project": project, "task": task, "claim": claim})


def claim_expired(*, claim: int, task: int) -> Event:
    return Event(CLAIM_EXPIRED, {"claim": claim, "task": task})


def submission_created(*, project: int, task: int, claim: int, submission: int, units: int) -> Event:
    return Event(
        SUBMISSION_CREATED,
        {"project": project, "task": task, "claim": claim, "submission": submission, "units": units},
    )


def review_decided(
    *,
    project: int,
    task: int,
    claim: int,
    submission: int,
    decision: str,
    accepted_units: int,
    reason: str,
    automatic: bool,
) -> Event:
    return Event(
        REVIEW_DECIDED,
        {
            "project": project,
            "task": task,
            "claim": claim,
            "submission": submission,
            "decision": decision,
            "accepted_units": accepted_units,
            "reason": reason,
            "automatic": automatic,
        },
    )


def ledger_credited(
    *,
    transaction: str,
    company: int,
    project: int | None,
    task: int | None,
    units: int | None,
    amount_fen: int,
    amount_display: str,
    kind: str | None = None,
    memo: str = "",
) -> Event:
    """Her payable changed. Accepted work leaves ``kind`` out; an adjustment or a reversal names
    its ``kind`` and ``memo`` (and ``amount_fen`` is negative for a deduction or a reversal)."""
    data = {
        "transaction": transaction,
        "company": company,
        "project": project,
        "task": task,
        "units": units,
        "amount_fen": amount_fen,
        "amount_display": amount_display,
    }
    if kind is not None:
        data |= {"kind": kind, "memo": memo}
    return Event(LEDGER_CREDITED, data)


def project_progress(
    *,
    project: int,
    status: str,
    tasks: TaskCounts,
    units_total: int,
    units_accepted: int,
    accrued_fen: int,
    budget_fen: int,
    submissions_waiting: int,
    oldest_waiting_since: str | None,
) -> Event:
    return Event(
        PROJECT_PROGRESS,
        {
            "project": project,
            "status": status,
            "tasks": tasks,
            "units_total": units_total,
            "units_accepted": units_accepted,
            "accrued_fen": accrued_fen,
            "budget_fen": budget_fen,
            "submissions_waiting": submissions_waiting,
            "oldest_waiting_since": oldest_waiting_since,
        },
    )


def notice_created(*, notice: int, kind: str, text: str, about: Mapping[str, Any]) -> Event:
    """A notice in her inbox; ``about`` is the notice's own data (what it is about, by kind)."""
    return Event(NOTICE_CREATED, {"notice": notice, "kind": kind, "text": text, **about})


def payout_approved(
    *,
    batch: int,
    company: int,
    amount_fen: int,
    amount_display: str,
    period_start: datetime.date,
    period_end: datetime.date,
    lines: int,
) -> Event:
    """A payout batch was approved by a second finance user (to the company's staff): its total and
    how many mothers it pays. Nothing is posted yet; ``payout.paid`` follows when the bank has paid."""
    return Event(
        PAYOUT_APPROVED,
        {
            "batch": batch,
            "company": company,
            "amount_fen": amount_fen,
            "amount_display": amount_display,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "lines": lines,
        },
    )


def payout_paid(
    *,
    batch: int,
    company: int,
    amount_fen: int,
    amount_display: str,
    period_start: datetime.date,
    period_end: datetime.date,
) -> Event:
    """A payout paid: to each mother (``worker.<id>``) with her amount, and once per batch to the
    company's staff with the batch's total paid."""
    return Event(
        PAYOUT_PAID,
        {
            "batch": batch,
            "company": company,
            "amount_fen": amount_fen,
            "amount_display": amount_display,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
        },
    )


def skill_level_changed(*, skill: int, company: int, worker: int, from_level: int, level: int, cause: str) -> Event:
    """Her level in a skill moved (``cause``: training, work, demotion, appeal)."""
    return Event(
        SKILL_LEVEL_CHANGED,
        {
            "skill": skill,
            "company": company,
            "worker": worker,
            "from_level": from_level,
            "level": level,
            "cause": cause,
        },
    )


def appeal_opened(*, appeal: int, submission: int, project: int, company: int) -> Event:
    return Event(APPEAL_OPENED, {"appeal": appeal, "submission": submission, "project": project, "company": company})


def appeal_decided(
    *, appeal: int, submission: int, project: int, company: int, status: str, units_before: int, units_after: int
) -> Event:
    """An appeal's outcome (``status``: upheld, overturned, adjusted) and the accepted units before and after."""
    return Event(
        APPEAL_DECIDED,
        {
            "appeal": appeal,
            "submission": submission,
            "project": project,
            "company": company,
            "status": status,
            "units_before": units_before,
            "units_after": units_after,
        },
    )


def results_ready(*, export: str, project: int, format: str, state: str, rows: int, download: str) -> Event:
    """A project's results file built in the background is ready: ``download`` is its path."""
    return Event(
        RESULTS_READY,
        {"export": export, "project": project, "format": format, "state": state, "rows": rows, "download": download},
    )


def handover_recorded(
    *, handover: int, kind: str, project: int, task: int, claim: int, units: int, holding: int
) -> Event:
    """Materials issued, pieces returned or checked on an assembly batch; ``holding``: the pieces' worth
    of materials she still holds."""
    return Event(
        HANDOVER_RECORDED,
        {
            "handover": handover,
            "kind": kind,
            "project": project,
            "task": task,
            "claim": claim,
            "units": units,
            "holding": holding,
        },
    )

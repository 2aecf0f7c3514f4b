"""One checker per event type (zulip's ``check_<event>`` pattern): exact keys, exact value types.

Written apart from the builders in ``realtime/events.py`` on purpose: a payload that changes
there, or in the claim function's SQL (``task.claimed``), without a change here fails every
test that writes or hears such an event. ``tests/conftest.py`` runs ``check_outbox_rows`` on
every outbox row a test leaves; the socket tests run ``check_frame`` on what they receive.
``tests/realtime/test_event_schema.py`` holds this module against ``realtime.events.ALL`` and
the README's tables.
"""

import datetime
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ledger.models import TransactionKind
from notices.models import NoticeKind
from tasks.models import Decision, ProjectStatus

Checker = Callable[[str, object], None]


class PayloadMismatch(AssertionError):
    """An event whose type, group or data is not what its schema says."""


def check_int(name: str, value: object) -> None:
    if type(value) is not int:  # a bool is not an id or a count
        raise PayloadMismatch(f"{name} is not an int: {value!r}")


def check_str(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise PayloadMismatch(f"{name} is not a string: {value!r}")


def check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise PayloadMismatch(f"{name} is not a bool: {value!r}")


def check_moment(name: str, value: object) -> None:
    """An ISO 8601 time with its offset."""
    check_str(name, value)
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise PayloadMismatch(f"{name} is not an ISO time: {value!r}") from None
    if parsed.tzinfo is None:
        raise PayloadMismatch(f"{name} has no UTC offset: {value!r}")


def check_date(name: str, value: object) -> None:
    check_str(name, value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PayloadMismatch(f"{name} is not an ISO date: {value!r}")


def check_uuid(name: str, value: object) -> None:
    check_str(name, value)
    try:
        uuid.UUID(value)
    except ValueError:
        raise PayloadMismatch(f"{name} is not a UUID: {value!r}") from None


def check_decimal_text(name: str, value: object) -> None:
    check_str(name, value)
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise PayloadMismatch(f"{name} is not a decimal number as text: {value!r}")


def none_or(checker: Checker) -> Checker:
    def check(name: str, value: object) -> None:
        if value is not None:
            checker(name, value)

    return check


def list_of(checker: Checker) -> Checker:
    def check(name: str, value: object) -> None:
        if not isinstance(value, list):
            raise PayloadMismatch(f"{name} is not a list: {value!r}")
        for i, item in enumerate(value):
            checker(f"{name}[{i}]", item)

    return check


def one_of(*allowed: str) -> Checker:
    def check(name: str, value: object) -> None:
        if value not in allowed:
            raise PayloadMismatch(f"{name} is {value!r}, not one of {sorted(allowed)}")

    return check


@dataclass(frozen=True)
class Keys:
    """A dict with exactly these keys: every required one, any of the optional ones, nothing else."""

    required: Sequence[tuple[str, Checker]]
    optional: Sequence[tuple[str, Checker]] = ()

    def __call__(self, name: str, value: object) -> None:
        if not isinstance(value, dict):
            raise PayloadMismatch(f"{name} is not a dict: {value!r}")
        known = dict([*self.required, *self.optional])
        missing = [key for key, _ in self.required if key not in value]
        unknown = sorted(set(value) - set(known))
        if missing or unknown:
            raise PayloadMismatch(f"{name}: missing keys {missing}, unknown keys {unknown} in {value!r}")
        for key, item in value.items():
            known[key](f"{name}[{key!r}]", item)

    def names(self) -> set[str]:
        """Every key this schema knows, nested ones included (what the README names)."""
        found = set()
        for key, checker in [*self.required, *self.optional]:
            found.add(key)
            if isinstance(checker, Keys | AnyOf | NoticeData):
                found |= checker.names()
        return found


@dataclass(frozen=True)
class AnyOf:
    """One of several shapes (``ledger.credited``: accepted work, or an adjustment / a reversal)."""

    shapes: Sequence[Keys]

    def __call__(self, name: str, value: object) -> None:
        failures = []
        for shape in self.shapes:
            try:
                shape(name, value)
            except PayloadMismatch as exc:
                failures.append(str(exc))
            else:
                return
        raise PayloadMismatch(" / ".join(failures))

    def names(self) -> set[str]:
        return set().union(*(shape.names() for shape in self.shapes))


# What a notice is about, by kind (the ``data`` its sender gives ``notices.services.notice_send``):
# the keys a notice of that kind may carry. A sender (or a test) may leave some out, never add others.
NOTICE_ABOUT = {
    NoticeKind.SLOT_STARTING: {"claim": check_int, "task": check_int, "project": check_int, "at": check_moment},
    NoticeKind.DEADLINE_NEAR: {"claim": check_int, "task": check_int, "project": check_int, "at": check_moment},
    NoticeKind.CLAIM_EXPIRED: {"claim": check_int, "task": check_int, "project": check_int},
    NoticeKind.AUTO_ACCEPT_SOON: {"project": check_int, "submissions": list_of(check_int), "due": check_moment},
    NoticeKind.AUTO_ACCEPTED: {"submission": check_int, "project": check_int},
    # her own (``company``) or her company's staff's (``worker``)
    NoticeKind.HOURS_NEAR_LIMIT: {
        "company": check_int,
        "worker": check_int,
        "minutes": check_int,
        "limit_minutes": check_int,
    },
    NoticeKind.PAY_BELOW_FLOOR: {
        "project": check_int,
        "measured_hourly_pay": check_decimal_text,
        "pay_floor": check_decimal_text,
    },
    NoticeKind.SETTLEMENT_OVERDUE: {"company": check_int, "mothers": check_int, "overdue_fen": check_int},
    NoticeKind.COMPANY_REVIEWED: {"company": check_int, "approved": check_bool},
    NoticeKind.REVIEW_ACCEPTED: {"submission": check_int, "project": check_int, "claim": check_int},
    NoticeKind.REVIEW_PARTIAL: {
        "submission": check_int,
        "project": check_int,
        "claim": check_int,
        "rejected_items": list_of(check_int),
    },
    NoticeKind.REVIEW_REJECTED: {"submission": check_int, "project": check_int, "claim": check_int},
    NoticeKind.REVIEW_REVISE: {"submission": check_int, "project": check_int, "claim": check_int},
    NoticeKind.PAYOUT_PAID: {"batch": check_int, "company": check_int, "amount_fen": check_int},
    NoticeKind.LEVEL_UP: {"skill": check_int, "level": check_int},
    NoticeKind.LEVEL_DOWN: {"skill": check_int, "level": check_int},
    NoticeKind.LEVEL_WARNING: {"skill": check_int, "level": check_int, "measured": check_int},
    NoticeKind.APPEAL_OPENED: {"appeal": check_int, "submission": check_int, "project": check_int},
    NoticeKind.APPEAL_DECIDED: {"appeal": check_int, "submission": check_int, "project": check_int},
    NoticeKind.PEER_REVIEW_OPEN: {"skill": check_int},
    NoticeKind.PEER_OVERTURNED: {"review": check_int, "submission": check_int, "project": check_int},
    NoticeKind.HANDOVER: {"claim": check_int, "task": check_int, "project": check_int, "handover": check_int},
    NoticeKind.RETURN_OVERDUE: {"claim": check_int, "task": check_int, "project": check_int},
    NoticeKind.SLOT_CANCELLED: {"claim": check_int, "task": check_int, "project": check_int, "slot": check_int},
    NoticeKind.WEBHOOK_DISABLED: {"company": check_int, "webhook": check_int, "url": check_str},
}


@dataclass(frozen=True)
class NoticeData:
    """``notice``, ``kind``, ``text``, then what the notice is about: keys of its kind only."""

    about: Mapping[str, Mapping[str, Checker]] = field(default_factory=lambda: NOTICE_ABOUT)

    def __call__(self, name: str, value: object) -> None:
        if not isinstance(value, dict):
            raise PayloadMismatch(f"{name} is not a dict: {value!r}")
        kind = value.get("kind")
        one_of(*self.about)(f"{name}['kind']", kind)
        about = self.about[kind]
        Keys(
            required=[("notice", check_int), ("kind", check_str), ("text", check_str)],
            optional=list(about.items()),
        )(name, value)

    def names(self) -> set[str]:
        return {"notice", "kind", "text"}


_TASK_COUNTS = Keys(
    [
        ("total", check_int),
        ("open", check_int),
        ("claimed", check_int),
        ("submitted", check_int),
        ("accepted", check_int),
        ("partially_accepted", check_int),
        ("rejected", check_int),
    ]
)

_CREDIT = [("transaction", check_uuid), ("company", check_int)]
_AMOUNT = [("amount_fen", check_int), ("amount_display", check_str)]

check_task_opened = Keys([("project", check_int), ("tasks", list_of(check_int)), ("count", check_int)])
check_task_claimed = Keys([("project", check_int), ("task", check_int), ("slot", check_int), ("claim", check_int)])
check_task_released = Keys([("project", check_int), ("task", check_int), ("claim", check_int)])
check_claim_expired = Keys([("claim", check_int), ("task", check_int)])
check_submission_created = Keys(
    [
        ("project", check_int),
        ("task", check_int),
        ("claim", check_int),
        ("submission", check_int),
        ("units", check_int),
    ]
)
check_review_decided = Keys(
    [
        ("project", check_int),
        ("task", check_int),
        ("claim", check_int),
        ("submission", check_int),
        ("decision", one_of(*Decision.values)),
        ("accepted_units", check_int),
        ("reason", check_str),
        ("automatic", check_bool),
    ]
)
check_ledger_credited = AnyOf(
    [
        # accepted work
        Keys([*_CREDIT, ("project", check_int), ("task", check_int), ("units", check_int), *_AMOUNT]),
        # an adjustment (no project) or a reversal (of what it reverses)
        Keys(
            [
                *_CREDIT,
                ("project", none_or(check_int)),
                ("task", none_or(check_int)),
                ("units", none_or(check_int)),
                *_AMOUNT,
                ("kind", one_of(TransactionKind.ADJUSTMENT, TransactionKind.REVERSAL, TransactionKind.PEER_REVIEW)),
                ("memo", check_str),
            ]
        ),
    ]
)
check_project_progress = Keys(
    [
        ("project", check_int),
        ("status", one_of(*ProjectStatus.values)),
        ("tasks", _TASK_COUNTS),
        ("units_total", check_int),
        ("units_accepted", check_int),
        ("accrued_fen", check_int),
        ("budget_fen", check_int),
        ("submissions_waiting", check_int),
        ("oldest_waiting_since", none_or(check_moment)),
    ]
)
check_notice_created = NoticeData()
check_payout_paid = Keys(
    [
        ("batch", check_int),
        ("company", check_int),
        *_AMOUNT,
        ("period_start", check_date),
        ("period_end", check_date),
    ]
)
check_payout_approved = Keys(
    [
        ("batch", check_int),
        ("company", check_int),
        *_AMOUNT,
        ("period_start", check_date),
        ("period_end", check_date),
        ("lines", check_int),
    ]
)

check_skill_level_changed = Keys(
    [
        ("skill", check_int),
        ("company", check_int),
        ("worker", check_int),
        ("from_level", check_int),
        ("level", check_int),
        ("cause", one_of("training", "work", "demotion", "appeal")),
    ]
)
check_appeal_opened = Keys(
    [("appeal", check_int), ("submission", check_int), ("project", check_int), ("company", check_int)]
)
check_appeal_decided = Keys(
    [
        ("appeal", check_int),
        ("submission", check_int),
        ("project", check_int),
        ("company", check_int),
        ("status", one_of("upheld", "overturned", "adjusted")),
        ("units_before", check_int),
        ("units_after", check_int),
    ]
)

check_results_ready = Keys(
    [
        ("export", check_uuid),
        ("project", check_int),
        ("format", one_of("csv", "jsonl", "xlsx")),
        ("state", one_of("accepted", "all")),
        ("rows", check_int),
        ("download", check_str),
    ]
)

check_handover_recorded = Keys(
    [
        ("handover", check_int),
        ("kind", one_of("issue", "return", "qc")),
        ("project", check_int),
        ("task", check_int),
        ("claim", check_int),
        ("units", check_int),
        ("holding", check_int),
    ]
)

CHECKERS: dict[str, Keys | AnyOf | NoticeData] = {
    "task.opened": check_task_opened,
    "task.claimed": check_task_claimed,
    "task.released": check_task_released,
    "claim.expired": check_claim_expired,
    "submission.created": check_submission_created,
    "review.decided": check_review_decided,
    "ledger.credited": check_ledger_credited,
    "project.progress": check_project_progress,
    "notice.created": check_notice_created,
    "payout.approved": check_payout_approved,
    "payout.paid": check_payout_paid,
    "skill.level_changed": check_skill_level_changed,
    "appeal.opened": check_appeal_opened,
    "appeal.decided": check_appeal_decided,
    "results.ready": check_results_ready,
    "handover.recorded": check_handover_recorded,
}

_PROJECT, _STAFF, _WORKER = "project.<id>", "company.<id>.staff", "worker.<id>"

# The groups each type is sent to (the README's "sent to" column).
GROUPS: dict[str, tuple[str, ...]] = {
    "task.opened": (_PROJECT,),
    "task.claimed": (_PROJECT, _STAFF, _WORKER),
    "task.released": (_PROJECT, _STAFF, _WORKER),
    "claim.expired": (_WORKER,),
    "submission.created": (_STAFF, _WORKER),
    "review.decided": (_WORKER, _STAFF),
    "ledger.credited": (_WORKER,),
    "project.progress": (_STAFF,),
    "notice.created": (_WORKER,),
    "payout.approved": (_STAFF,),
    "payout.paid": (_WORKER, _STAFF),
    "skill.level_changed": (_WORKER, _STAFF),
    "appeal.opened": (_WORKER, _STAFF),
    "appeal.decided": (_WORKER, _STAFF),
    "results.ready": (_STAFF,),
    "handover.recorded": (_STAFF, _WORKER),
}


def _group_pattern(template: str) -> re.Pattern:
    return re.compile(re.escape(template).replace(re.escape("<id>"), r"\d+"))


_GROUP_PATTERNS = {kind: [_group_pattern(t) for t in templates] for kind, templates in GROUPS.items()}


def check_payload(event_type: str, data: object, *, name: str = "data") -> None:
    """``data`` is what an event of ``event_type`` carries."""
    if event_type not in CHECKERS:
        raise PayloadMismatch(f"unknown event type {event_type!r}")
    CHECKERS[event_type](f"{event_type} {name}", data)


def check_group(event_type: str, group: str) -> None:
    if event_type not in GROUPS:
        raise PayloadMismatch(f"unknown event type {event_type!r}")
    if not any(pattern.fullmatch(group) for pattern in _GROUP_PATTERNS[event_type]):
        raise PayloadMismatch(f"{event_type} sent to {group!r}, not to one of {GROUPS[event_type]}")


def check_event(message: object) -> None:
    """One event as a socket receives it: ``{"type", "id", "at", "data"}``."""
    Keys([("type", check_str), ("id", check_int), ("at", check_moment), ("data", lambda name, value: None)])(
        "event", message
    )
    check_payload(message["type"], message["data"], name=f"#{message['id']} data")


# Frames a socket receives that are not events (the protocol's own messages).
_PROTOCOL = {"ready", "followed", "unfollowed", "error", "resumed", "resync", "heartbeat"}


def check_frame(frame: object) -> None:
    """A frame from ``/ws/``: each event in it (alone or in a batch) is checked; protocol frames pass."""
    if not isinstance(frame, dict):
        raise PayloadMismatch(f"a frame that is not an object: {frame!r}")
    if frame.get("type") == "batch":
        Keys([("type", check_str), ("latest", check_int), ("events", list_of(lambda name, value: None))])(
            "batch", frame
        )
        for event in frame["events"]:
            check_event(event)
    elif frame.get("type") not in _PROTOCOL:
        check_event(frame)


def check_outbox_rows(rows: Iterable) -> None:
    """Every row (``realtime.models.OutboxEvent``): a known type, sent to one of its groups, with its data."""
    for row in rows:
        try:
            check_group(row.type, row.group)
            check_payload(row.type, row.data)
        except PayloadMismatch as exc:
            raise PayloadMismatch(f"outbox row {row.id} ({row.type} → {row.group}): {exc}") from None

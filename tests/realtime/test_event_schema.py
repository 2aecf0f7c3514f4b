"""The event schema holds in one place: each type has one builder (``realtime/events.py``), one
checker (``tests/realtime/event_checks.py``) and one row in the README, and every publish goes
through a builder."""

import ast
import datetime
import re
import uuid
from pathlib import Path

import pytest

from realtime import events
from tests import factories
from tests.realtime import event_checks
from tests.realtime.event_checks import CHECKERS, GROUPS, NOTICE_ABOUT, PayloadMismatch, check_frame, check_payload

REPO = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("accounts", "background", "core", "fairwork", "frontend", "ledger", "notices", "realtime", "tasks")
SOURCE_DIRS += ("workers", "config")

# One example per builder, built from plain values as a service would.
EXAMPLES = {
    "task.opened": lambda: events.task_opened(project=1, tasks=[2, 3], count=2),
    "task.claimed": lambda: events.task_claimed(project=1, task=2, slot=3, claim=4),
    "task.released": lambda: events.task_released(project=1, task=2, claim=4),
    "claim.expired": lambda: events.claim_expired(claim=4, task=2),
    "submission.created": lambda: events.submission_created(project=1, task=2, claim=4, submission=5, units=10),
    "review.decided": lambda: events.review_decided(
        project=1,
        task=2,
        claim=4,
        submission=5,
        decision="partial",
        accepted_units=8,
        reason="两件开线",
        automatic=False,
    ),
    "ledger.credited": lambda: events.ledger_credited(
        transaction=str(uuid.uuid4()),
        company=6,
        project=1,
        task=2,
        units=8,
        amount_fen=2000,
        amount_display="¥20.00",
    ),
    "project.progress": lambda: events.project_progress(
        project=1,
        status="published",
        tasks={
            "total": 3,
            "open": 1,
            "claimed": 1,
            "submitted": 1,
            "accepted": 0,
            "partially_accepted": 0,
            "rejected": 0,
        },
        units_total=30,
        units_accepted=0,
        accrued_fen=0,
        budget_fen=7500,
        submissions_waiting=1,
        oldest_waiting_since="2025-03-04T09:30:00+08:00",
    ),
    "notice.created": lambda: events.notice_created(
        notice=7, kind="claim_expired", text="时间到了", about={"claim": 4, "task": 2, "project": 1}
    ),
    "payout.approved": lambda: events.payout_approved(
        batch=8,
        company=6,
        amount_fen=12_845,
        amount_display="¥128.45",
        period_start=datetime.date(2025, 3, 1),
        period_end=datetime.date(2025, 3, 15),
        lines=2,
    ),
    "payout.paid": lambda: events.payout_paid(
        batch=8,
        company=6,
        amount_fen=2000,
        amount_display="¥20.00",
        period_start=datetime.date(2025, 3, 1),
        period_end=datetime.date(2025, 3, 15),
    ),
    "skill.level_changed": lambda: events.skill_level_changed(
        skill=9, company=6, worker=10, from_level=1, level=2, cause="work"
    ),
    "appeal.opened": lambda: events.appeal_opened(appeal=11, submission=5, project=1, company=6),
    "appeal.decided": lambda: events.appeal_decided(
        appeal=11, submission=5, project=1, company=6, status="adjusted", units_before=8, units_after=10
    ),
    "results.ready": lambda: events.results_ready(
        export="3f2b1c4e-0d8a-4c51-9a57-2f0c5b7e9d11",
        project=1,
        format="xlsx",
        state="accepted",
        rows=100000,
        download="/api/v1/projects/1/results/exports/3f2b1c4e-0d8a-4c51-9a57-2f0c5b7e9d11/download",
    ),
    "handover.recorded": lambda: events.handover_recorded(
        handover=4, kind="return", project=1, task=2, claim=3, units=18, holding=0
    ),
}


def test_every_type_has_one_builder_example_checker_and_groups():
    assert len(events.ALL) == len(set(events.ALL)) == 16
    assert set(CHECKERS) == set(GROUPS) == set(EXAMPLES) == set(events.ALL)
    for event_type in events.ALL:
        builder = getattr(events, event_type.replace(".", "_"))
        assert callable(builder), event_type


@pytest.mark.parametrize("event_type", events.ALL)
def test_what_each_builder_builds_passes_its_checker(event_type):
    event = EXAMPLES[event_type]()

    assert event.type == event_type
    check_payload(event.type, event.data)


def test_an_adjustment_and_a_reversal_name_their_kind_and_memo():
    common = {"transaction": str(uuid.uuid4()), "company": 6, "amount_fen": -500, "amount_display": "-¥5.00"}
    adjustment = events.ledger_credited(**common, project=None, task=None, units=None, kind="adjustment", memo="扣")
    reversal = events.ledger_credited(**common, project=1, task=2, units=8, kind="reversal", memo="错记")

    for event in (adjustment, reversal):
        check_payload(event.type, event.data)
    assert adjustment.data["kind"] == "adjustment" and reversal.data["memo"] == "错记"


def _renamed(data: dict, old: str, new: str) -> dict:
    return {new if key == old else key: value for key, value in data.items()}


@pytest.mark.parametrize("event_type", events.ALL)
def test_a_payload_that_drifts_fails_its_checker(event_type):
    data = EXAMPLES[event_type]().data
    first = next(iter(data))
    drifted = [
        {**data, "extra": 1},  # a key added
        {key: value for key, value in data.items() if key != first},  # a key removed
        _renamed(data, first, first + "_id"),  # a key renamed
        {**data, first: "1" if isinstance(data[first], int) else 1},  # a value of another type
    ]
    for payload in drifted:
        with pytest.raises(PayloadMismatch):
            check_payload(event_type, payload)


def test_an_unknown_type_or_a_wrong_group_fails():
    with pytest.raises(PayloadMismatch, match="unknown event type"):
        check_payload("task.vanished", {})
    with pytest.raises(PayloadMismatch, match="sent to"):
        event_checks.check_group("claim.expired", "project.1")
    event_checks.check_group("task.claimed", "company.3.staff")


def test_a_notice_carries_only_the_keys_of_its_kind():
    base = {"notice": 1, "kind": "slot_starting", "text": "十五分钟后开始"}
    check_payload("notice.created", {**base, "claim": 4, "at": "2025-03-04T09:30:00+08:00"})
    check_payload("notice.created", base)  # what it is about may be left out
    with pytest.raises(PayloadMismatch):
        check_payload("notice.created", {**base, "submission": 4})  # not what a slot reminder is about
    with pytest.raises(PayloadMismatch):
        check_payload("notice.created", {**base, "kind": "birthday"})


def test_frames_are_checked_alone_and_in_batches():
    event = {
        "type": "task.claimed",
        "id": 9,
        "at": "2025-03-04T09:30:00+08:00",
        "data": EXAMPLES["task.claimed"]().data,
    }
    check_frame(event)
    check_frame({"type": "batch", "latest": 9, "events": [event]})
    check_frame({"type": "heartbeat", "latest": 9, "complete": 9})
    with pytest.raises(PayloadMismatch):
        check_frame({"type": "batch", "latest": 9, "events": [{**event, "data": {"claim": 1}}]})
    with pytest.raises(PayloadMismatch):
        check_frame({**event, "at": "yesterday"})


# --- every publish goes through a builder --------------------------------------------------------


def _source_files():
    for top in SOURCE_DIRS:
        for path in sorted((REPO / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _parse(path: Path) -> ast.AST:
    # CPython 3.11 keeps the AST builder's recursion count in the ast module's shared state
    # (python/cpython#106905): an ast.parse in another thread meanwhile (a traceback a server thread
    # formats parses its lines for the carets) can fail this one with "AST constructor recursion
    # depth mismatch". Nothing is wrong with the file: parse it again.
    for attempt in range(3):
        try:
            return ast.parse(path.read_text(), filename=str(path))
        except SystemError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _publish_calls(tree: ast.AST):
    """Calls of ``publish`` in a module that imports it from ``realtime.publish``."""
    imported = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "realtime.publish"
        and any(alias.name == "publish" for alias in node.names)
        for node in ast.walk(tree)
    )
    if not imported:
        return []
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "publish"
    ]


def test_every_publish_call_passes_an_event_from_a_builder():
    builders = {event_type.replace(".", "_") for event_type in events.ALL}
    sites = []
    for path in _source_files():
        for call in _publish_calls(_parse(path)):
            where = f"{path.relative_to(REPO)}:{call.lineno}"
            sites.append(where)
            assert len(call.args) == 1, f"{where}: publish(event, groups=[...]) takes one event"
            [event] = call.args
            assert [k.arg for k in call.keywords] == ["groups"], f"{where}: only groups= beside the event"
            assert isinstance(event, ast.Call), f"{where}: the event comes from a builder call"
            func = event.func
            assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name), where
            assert func.value.id == "events" and func.attr in builders, f"{where}: not a realtime.events builder"
            assert not event.args, f"{where}: builders take keyword arguments"
            for node in ast.walk(event):
                assert not isinstance(node, ast.Dict), f"{where}: a payload dict written at the call"
    # every place that publishes (a count that only grows when a new publisher is added)
    assert len(sites) >= 12, sites


def _outbox_writes(tree: ast.AST) -> list[int]:
    """Lines that build an ``OutboxEvent`` or write one through its manager."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        built = isinstance(func, ast.Name) and func.id == "OutboxEvent"
        written = (
            isinstance(func, ast.Attribute)
            and func.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
            and isinstance(func.value, ast.Attribute)
            and isinstance(func.value.value, ast.Name)
            and func.value.value.id == "OutboxEvent"
        )
        if built or written:
            lines.append(node.lineno)
    return lines


def test_no_outbox_row_is_written_outside_publish():
    """Rows written directly skip the builders: only ``publish`` does it, and the claim function's
    SQL (``task.claimed``; ``tasks.claim_sql`` reads back what it wrote), which the checkers hold."""
    allowed = {Path("realtime/publish.py"), Path("tasks/claim_sql.py")}
    written = {}
    for path in _source_files():
        rel = path.relative_to(REPO)
        if lines := _outbox_writes(_parse(path)):
            written[rel] = lines
        if "realtime_outboxevent" in path.read_text() and rel not in allowed:
            written[rel] = "SQL"
    assert set(written) <= allowed, written
    assert Path("realtime/publish.py") in written  # the scan sees publish's own write


# --- the README's tables -----------------------------------------------------------------------


def _readme_table(heading: str) -> list[list[str]]:
    """The rows of the first table after the line that contains ``heading``."""
    lines = (REPO / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if heading in line)
    rows, in_table = [], False
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            in_table = True
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("- :"):  # the header rule
                rows.append(cells)
        elif in_table:
            break
    return rows[1:]  # past the header


def _code(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_the_readme_lists_exactly_the_event_types_with_their_groups_and_data():
    rows = _readme_table("Types (`realtime/events.py`)")
    listed = {}
    for cells in rows:
        [event_type] = _code(cells[0])
        listed[event_type] = cells
    assert sorted(listed) == sorted(events.ALL)
    for event_type, (_type, sent_to, data) in listed.items():
        groups = {group.replace("<user id>", "<id>") for group in _code(sent_to)}
        assert groups == set(GROUPS[event_type]), event_type
        assert set(_code(data)) == CHECKERS[event_type].names(), event_type


def test_the_readme_lists_what_each_kind_of_notice_carries():
    rows = _readme_table("What a `notice.created` carries beside")
    listed = {}
    for kinds, data in rows:
        for kind in _code(kinds):
            listed[kind] = set(_code(data))
    assert listed == {kind: set(keys) for kind, keys in NOTICE_ABOUT.items()}


# --- the claim function's SQL writes the builder's payload -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_claim_function_writes_what_the_builder_builds(on_postgres, supervisor, company, mother):
    from realtime.models import OutboxEvent
    from tasks.services import task_claim_next

    project = factories.project(supervisor, company, tasks=1)
    slot = factories.slot(supervisor, project)

    claim = task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)

    rows = list(OutboxEvent.objects.order_by("id"))
    claimed = [row for row in rows if row.type == "task.claimed"]
    assert [row.group for row in claimed] == [
        f"project.{project.pk}",
        f"company.{company.pk}.staff",
        f"worker.{mother.pk}",
    ]
    built = events.task_claimed(project=project.pk, task=claim.task_id, slot=slot.pk, claim=claim.pk)
    for row in claimed:
        assert row.data == built.data

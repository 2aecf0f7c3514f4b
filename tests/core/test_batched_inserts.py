"""core.batched_inserts: a service's audit rows and events, written at the end of its transaction in
one INSERT per table — exactly the rows that would have been written one by one, and no others."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.audit import audit_record
from accounts.models import AuditEntry
from core.batched_inserts import add, batched_inserts
from realtime import events
from realtime.models import OutboxEvent
from realtime.publish import publish

pytestmark = pytest.mark.django_db


def inserts(queries, table) -> int:
    return sum(1 for q in queries.captured_queries if f'INSERT INTO "{table}"' in q["sql"])


def event(n: int):
    return events.task_opened(project=1, tasks=[n], count=1)


def test_a_block_writes_each_table_once_at_its_end_in_the_order_given(company, supervisor):
    with CaptureQueriesContext(connection) as queries, batched_inserts():
        for n in range(3):
            audit_record(actor=supervisor, action=f"test.{n}", target=company, company_id=company.pk)
            publish(event(n), groups=["project.1", "project.2"])
        assert not AuditEntry.objects.exists() and not OutboxEvent.objects.exists()  # not yet

    assert inserts(queries, "accounts_auditentry") == 1 and inserts(queries, "realtime_outboxevent") == 1
    # PostgreSQL writes both tables in one statement (a WITH of two inserts); SQLite, one each.
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["test.0", "test.1", "test.2"]
    assert [(e.group, e.data["tasks"]) for e in OutboxEvent.objects.order_by("id")] == [
        ("project.1", [0]),
        ("project.2", [0]),
        ("project.1", [1]),
        ("project.2", [1]),
        ("project.1", [2]),
        ("project.2", [2]),
    ]


def test_the_relay_gets_every_event_once_after_commit_with_its_id(django_capture_on_commit_callbacks, monkeypatch):
    from realtime import publish as publishing

    handed = []
    monkeypatch.setattr(publishing.relay, "submit", lambda rows: handed.append([row.id for row in rows]))
    with django_capture_on_commit_callbacks(execute=True), batched_inserts():
        publish(event(1), groups=["project.1"])
        publish(event(2), groups=["project.1", "project.2"])
        assert handed == []

    assert handed == [list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))]
    assert len(handed[0]) == 3


def test_an_error_in_the_block_writes_nothing_of_it(company, supervisor):
    with pytest.raises(RuntimeError), transaction.atomic(), batched_inserts():
        audit_record(actor=supervisor, action="test.lost", target=company)
        raise RuntimeError("refused")

    assert not AuditEntry.objects.exists()


def test_a_row_added_in_a_savepoint_that_rolled_back_is_dropped_and_the_others_are_kept(company, supervisor):
    with batched_inserts():
        audit_record(actor=supervisor, action="test.kept", target=company)
        try:
            with transaction.atomic():
                audit_record(actor=supervisor, action="test.rolled_back", target=company)
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        with transaction.atomic():
            audit_record(actor=supervisor, action="test.released", target=company)

    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == ["test.kept", "test.released"]


def test_nested_blocks_write_once_at_the_end_of_the_outermost(company, supervisor):
    with CaptureQueriesContext(connection) as queries, batched_inserts():
        audit_record(actor=supervisor, action="test.outer", target=company)
        with batched_inserts():
            audit_record(actor=supervisor, action="test.inner", target=company)
        assert not AuditEntry.objects.exists()

    assert inserts(queries, "accounts_auditentry") == 1
    assert AuditEntry.objects.count() == 2


def test_outside_a_block_rows_are_written_at_once(company, supervisor):
    audit_record(actor=supervisor, action="test.now", target=company)
    assert AuditEntry.objects.get().action == "test.now"
    written = []
    add([AuditEntry(action="test.add", target_type="x", target_id="1")], written=written.extend)
    assert [entry.pk for entry in written] == [AuditEntry.objects.get(action="test.add").pk]

"""The inbox moved from fairwork to notices with its rows: a database at fairwork's last migration
with the model (``fairwork_notice``) migrates forward to ``notices_notice`` and keeps every row."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notices.models import Notice
from notices.services import notice_send
from tests import factories

BEFORE = [("notices", None), ("fairwork", "0003_settlement_overdue")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_notices_keep_their_rows_when_the_model_moves_to_its_own_app():
    mother = factories.mother()
    migrate(BEFORE)
    try:
        tables = connection.introspection.table_names()
        assert "fairwork_notice" in tables and "notices_notice" not in tables
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO fairwork_notice (user_id, kind, key, text, data, created_at, read_at) "
                "VALUES (%s, 'claim_expired', 'claim-expired:1', '时间到了', '{\"claim\": 1}', %s, NULL)",
                [mother.pk, "2026-11-28 09:00:00+08:00"],
            )
    finally:
        migrate(None)

    tables = connection.introspection.table_names()
    assert "notices_notice" in tables and "fairwork_notice" not in tables
    [notice] = Notice.objects.all()
    assert (notice.user_id, notice.key, notice.text, notice.data) == (
        mother.pk,
        "claim-expired:1",
        "时间到了",
        {"claim": 1},
    )
    # The key still makes a second sending a no-op, and new rows follow the old ones.
    assert notice_send(user_id=mother.pk, kind="claim_expired", key="claim-expired:1", text="again") is None
    assert notice_send(user_id=mother.pk, kind="claim_expired", key="claim-expired:2", text="新的").pk > notice.pk

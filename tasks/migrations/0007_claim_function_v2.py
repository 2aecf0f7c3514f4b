"""Version 2 of ``homeslot_claim_next``, frozen in ``sql/claim_v2.sql``: the same rules as
version 1, with every limit and name (time zone, hours per day and week, parallel claims, group
names, event and audit names) an argument supplied from Python on each call
(``tasks.claim_sql``), so nothing is pasted in at ``migrate``. Version 1 is dropped (its
signature differs); going back reinstalls it from its own file."""

import importlib
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent / "sql" / "claim_v2.sql"
REMOVE = (
    "DROP FUNCTION IF EXISTS homeslot_claim_next(bigint, bigint, bigint, timestamptz, text, integer, integer, "
    "integer, text, text, text, text, text, text);"
)
v1 = importlib.import_module("tasks.migrations.0003_claim_function")


def install_v2(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    v1.remove_v1(apps, schema_editor)
    schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def back_to_v1(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REMOVE, params=None)
    v1.install_v1(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0006_submission_photo")]

    operations = [migrations.RunPython(install_v2, back_to_v1)]

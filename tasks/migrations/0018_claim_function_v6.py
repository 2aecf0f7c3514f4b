"""Version 6 of ``homeslot_claim_next``, frozen in ``sql/claim_v6.sql``: the item-group rule (a
mother never gets two tasks of one item group: claim-next passes over them, the task she chose is
left to the ORM path, which refuses with ``already_labelled``). The signature is version 5's, so
``CREATE OR REPLACE`` replaces it; going back reinstalls version 5 from its own file."""

import importlib
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent / "sql" / "claim_v6.sql"
v4 = importlib.import_module("tasks.migrations.0009_claim_function_v4")
v5 = importlib.import_module("tasks.migrations.0012_claim_function_v5")


def install_v6(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(v4.REMOVE_V4, params=None)
    schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def back_to_v5(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(v4.REMOVE_V4, params=None)
    schema_editor.execute(v5.SQL.read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0017_split_quality_terms")]

    operations = [migrations.RunPython(install_v6, back_to_v5)]

"""Version 5 of ``homeslot_claim_next``, frozen in ``sql/claim_v5.sql``: the career rule (a
training project, or a level she does not hold, is left to the ORM path, which refuses with the
precise error). The signature is version 4's, so ``CREATE OR REPLACE`` replaces it; going back
reinstalls version 4 from its own file."""

import importlib
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent / "sql" / "claim_v5.sql"
v4 = importlib.import_module("tasks.migrations.0009_claim_function_v4")


def install_v5(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(v4.REMOVE_V4, params=None)
    schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def back_to_v4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(v4.REMOVE_V4, params=None)
    schema_editor.execute(v4.SQL.read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0011_split_gold_field")]

    operations = [migrations.RunPython(install_v5, back_to_v4)]

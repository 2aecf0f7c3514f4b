"""Version 3 of ``homeslot_claim_next``, frozen in ``sql/claim_v3.sql``: her day and her week end
at the next local midnight (and Monday), as the ORM path has them, on a day the clocks change
too. The signature is version 2's, so the function is replaced; going back reinstalls version 2
from its own file."""

import importlib
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent / "sql" / "claim_v3.sql"
v2 = importlib.import_module("tasks.migrations.0007_claim_function_v2")


def install_v3(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def back_to_v2(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(v2.SQL.read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0007_claim_function_v2")]

    operations = [migrations.RunPython(install_v3, back_to_v2)]

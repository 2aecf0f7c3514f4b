"""Version 4 of ``homeslot_claim_next``, frozen in ``sql/claim_v4.sql``: it takes her
confirmation of a slot outside her weekly windows (no reason to leave the claim to the ORM path
then) and, optionally, the task she chose (the pages' and the API's claim of a given task), and
returns the claim's project. Version 3 is dropped (its signature differs); going back drops
version 4 and reinstalls version 3 from its own file."""

import importlib
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent / "sql" / "claim_v4.sql"
REMOVE_V3 = (
    "DROP FUNCTION IF EXISTS homeslot_claim_next(bigint, bigint, bigint, timestamptz, text, integer, integer, "
    "integer, text, text, text, text, text, text);"
)
REMOVE_V4 = (
    "DROP FUNCTION IF EXISTS homeslot_claim_next(bigint, bigint, bigint, bigint, boolean, timestamptz, text, "
    "integer, integer, integer, text, text, text, text, text, text);"
)
v3 = importlib.import_module("tasks.migrations.0008_claim_function_v3")


def install_v4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REMOVE_V3, params=None)
    schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def back_to_v3(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REMOVE_V4, params=None)
    v3.install_v3(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0008_claim_function_v3")]

    operations = [migrations.RunPython(install_v4, back_to_v3)]

"""A time slot the company cancels (``TimeSlot.cancelled_at``, ``cancel_reason``), and version 7 of
``homeslot_claim_next``, frozen in ``sql/claim_v7.sql``: version 6 with a cancelled slot closed to
claims (its read and its place-taking update both ask ``cancelled_at IS NULL``; the ORM path refuses
with ``slot_cancelled``). The signature is version 6's, so ``CREATE OR REPLACE`` replaces it; going
back reinstalls version 6 from its own file."""

import importlib
from pathlib import Path

from django.db import migrations, models

SQL = Path(__file__).resolve().parent / "sql" / "claim_v7.sql"
v4 = importlib.import_module("tasks.migrations.0009_claim_function_v4")
v6 = importlib.import_module("tasks.migrations.0018_claim_function_v6")


def install_v7(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(v4.REMOVE_V4, params=None)
    schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def back_to_v6(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(v4.REMOVE_V4, params=None)
    schema_editor.execute(v6.SQL.read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0021_ready_reasons")]

    operations = [
        migrations.AddField(
            model_name="timeslot",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="why it was cancelled"),
        ),
        migrations.AddField(
            model_name="timeslot",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.RunPython(install_v7, back_to_v6),
    ]

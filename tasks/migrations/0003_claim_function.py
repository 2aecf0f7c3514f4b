"""Version 1 of ``homeslot_claim_next``, frozen in ``sql/claim_v1.sql``.

Version 1 took the time zone, the hour limits and the parallel-claims limit from the settings,
pasted into its text here (and, until version 2, again after every ``migrate``); this migration
still installs it that way, so migrating from scratch (or back to here) reproduces history.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent / "sql" / "claim_v1.sql"
REMOVE = "DROP FUNCTION IF EXISTS homeslot_claim_next(bigint, bigint, bigint, timestamptz);"


def install_v1(apps, schema_editor):
    from django.conf import settings

    if schema_editor.connection.vendor != "postgresql":
        return
    text = (
        SQL.read_text(encoding="utf-8")
        .replace("__TZ__", settings.TIME_ZONE)
        .replace("__DAY_MINUTES__", str(settings.HOMESLOT_HOURS_PER_DAY * 60))
        .replace("__WEEK_MINUTES__", str(settings.HOMESLOT_HOURS_PER_WEEK * 60))
        .replace("__PARALLEL__", str(int(settings.HOMESLOT_PARALLEL_CLAIMS)))
    )
    schema_editor.execute(text, params=None)


def remove_v1(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_claim_indexes")]

    operations = [migrations.RunPython(install_v1, remove_v1)]

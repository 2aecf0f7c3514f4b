"""Refuse TRUNCATE on the rest of the ledger's tables too (PostgreSQL): payout batches and their
lines (emptying the lines would drop the one-open-batch guard), adjustment requests (the record of
who asked and who approved) and ledger exports. Rows of these may change and some may be deleted
(DELETE, one by one, through the services); emptying a table in one statement never.

The SQL is frozen here, as it was installed; it uses ``ledger_refuse_truncate()`` of 0006."""

from django.db import migrations

TABLES = ("ledger_payoutbatch", "ledger_payoutline", "ledger_adjustmentrequest", "ledger_ledgerexport")

INSTALL = "\n".join(
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();"
    for table in TABLES
)
REMOVE = "\n".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};" for table in TABLES)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_truncate_guard")]

    operations = [migrations.RunPython(install, remove)]

"""Refuse TRUNCATE on the ledger's append-only tables (PostgreSQL): row triggers do not see a
TRUNCATE, so before this a ``TRUNCATE ledger_posting CASCADE`` emptied the ledger silently.

The SQL is frozen here, as it was installed; a later change is a new migration. SQLite has no
TRUNCATE (its DELETE is refused by the row triggers of 0002)."""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: TRUNCATE on % refused', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER ledger_account_no_truncate BEFORE TRUNCATE ON ledger_account
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER ledger_transaction_no_truncate BEFORE TRUNCATE ON ledger_transaction
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER ledger_posting_no_truncate BEFORE TRUNCATE ON ledger_posting
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
"""

REMOVE = """
DROP TRIGGER IF EXISTS ledger_account_no_truncate ON ledger_account;
DROP TRIGGER IF EXISTS ledger_transaction_no_truncate ON ledger_transaction;
DROP TRIGGER IF EXISTS ledger_posting_no_truncate ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_refuse_truncate();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_adjustment_request")]

    operations = [migrations.RunPython(install, remove)]

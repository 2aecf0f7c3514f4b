"""The database's own guard on the ledger, for PostgreSQL and SQLite alike.

- Ledger rows (accounts, transactions, postings) are append-only: UPDATE and DELETE are refused;
  on PostgreSQL TRUNCATE too (a statement trigger, ``migrations/0006_truncate_guard.py``, whose
  SQL is frozen in the migration).
- A transaction header is inserted after its postings; the insert is refused unless there
  are at least two postings and debits equal credits.
- No posting may be added to a transaction whose header exists.
"""

LEDGER_TABLES = ("ledger_account", "ledger_transaction", "ledger_posting")

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE OR REPLACE FUNCTION ledger_posting_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_transaction WHERE id = NEW.transaction_id) THEN
    RAISE EXCEPTION 'ledger transaction % is already posted', NEW.transaction_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE debits bigint; credits bigint; lines int;
BEGIN
  SELECT coalesce(sum(amount_fen) FILTER (WHERE direction = 'D'), 0),
         coalesce(sum(amount_fen) FILTER (WHERE direction = 'C'), 0),
         count(*)
    INTO debits, credits, lines
    FROM ledger_posting WHERE transaction_id = NEW.id;
  IF lines < 2 OR debits <> credits THEN
    RAISE EXCEPTION 'ledger transaction % is not balanced (debits %, credits %, postings %)',
      NEW.id, debits, credits, lines
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_account_append_only BEFORE UPDATE OR DELETE ON ledger_account
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_open BEFORE INSERT ON ledger_posting
  FOR EACH ROW EXECUTE FUNCTION ledger_posting_open();
CREATE TRIGGER ledger_transaction_balanced BEFORE INSERT ON ledger_transaction
  FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();
"""

POSTGRES_REMOVE = """
DROP TRIGGER IF EXISTS ledger_account_append_only ON ledger_account;
DROP TRIGGER IF EXISTS ledger_transaction_append_only ON ledger_transaction;
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_posting_open ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_transaction_balanced ON ledger_transaction;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_posting_open();
DROP FUNCTION IF EXISTS ledger_transaction_balanced();
"""

SQLITE_INSTALL = [
    *[
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {op} on {table} refused'); END"
        for table in LEDGER_TABLES
        for op in ("UPDATE", "DELETE")
    ],
    "CREATE TRIGGER ledger_posting_open BEFORE INSERT ON ledger_posting "
    "WHEN EXISTS (SELECT 1 FROM ledger_transaction WHERE id = NEW.transaction_id) "
    "BEGIN SELECT RAISE(ABORT, 'ledger transaction is already posted'); END",
    "CREATE TRIGGER ledger_transaction_balanced BEFORE INSERT ON ledger_transaction "
    "WHEN (SELECT count(*) FROM ledger_posting WHERE transaction_id = NEW.id) < 2 "
    "OR (SELECT coalesce(sum(CASE direction WHEN 'D' THEN amount_fen ELSE -amount_fen END), 0) "
    "    FROM ledger_posting WHERE transaction_id = NEW.id) <> 0 "
    "BEGIN SELECT RAISE(ABORT, 'ledger transaction is not balanced'); END",
]

SQLITE_TRIGGER_NAMES = [
    *[f"{table}_no_{op.lower()}" for table in LEDGER_TABLES for op in ("UPDATE", "DELETE")],
    "ledger_posting_open",
    "ledger_transaction_balanced",
]


def install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_INSTALL)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_INSTALL:
                cursor.execute(statement)
        else:
            raise NotImplementedError(f"no ledger guard for {connection.vendor}")


def remove(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_REMOVE)
        else:
            for name in SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

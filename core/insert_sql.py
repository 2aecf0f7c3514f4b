"""The SQL of an INSERT of model rows, for the statements the ORM cannot write as one: several
inserts in one ``WITH`` (``core.batched_inserts``), an insert that depends on another in the same
statement (the ledger's postings and header). The values are the ones ``bulk_create`` would send:
each field's ``pre_save`` and database form."""

from django.db import models


def insert_sql(connection, model, rows: list, *, where: str | None = None) -> tuple[str, list]:
    """``INSERT INTO <table> (<columns>) VALUES (…), (…)`` for ``rows`` (new instances of ``model``;
    an auto-increment key is left to the database), and its parameters. With ``where`` (SQL whose
    parameters the caller appends) the rows are inserted only when it holds: ``… SELECT * FROM
    (VALUES …) WHERE <where>``, each value cast to its column's type (PostgreSQL cannot take the
    types of such a table from the target columns)."""
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    if where is None:
        row_sql = ", ".join(["%s"] * len(fields))
    else:
        row_sql = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    params = [f.get_db_prep_save(f.pre_save(row, True), connection) for row in rows for f in fields]
    columns = ", ".join(quote(f.column) for f in fields)
    values = "VALUES " + ", ".join(f"({row_sql})" for _row in rows)
    if where is not None:
        values = f"SELECT * FROM ({values}) AS row WHERE {where}"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {values}", params

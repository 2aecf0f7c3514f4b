"""Rows a service writes as it goes — its audit entries, its outbox events — written at the end of
its transaction in one INSERT per table instead of one per row.

A service opts in with ``@batched_inserts()`` (under its ``@transaction.atomic``) or ``with
batched_inserts():`` around its body. Inside, ``add()`` keeps the unsaved rows; when the block ends
without an error each table's rows are written with one ``bulk_create`` (ids set, in the order they
were added) — on PostgreSQL all the tables in one statement — and handed to the callback that asked
for them (``realtime.publish``: the relay, after commit). Outside a block ``add()`` writes at once,
so a service that does not opt in is unchanged.

The block is an atomic block of its own (``savepoint=False``: no statement), so an error inside it
rolls back whatever would have been written with the rows, and nothing of it is written. A row added
inside a savepoint that rolls back (an inner ``atomic`` whose error was caught) is dropped, as its
INSERT would have been rolled back: each ``add`` leaves a no-op marker among the connection's commit
hooks, and Django drops the hooks of a rolled-back savepoint (``core.locks`` keeps its locks the
same way). Nested blocks write once, at the end of the outermost.

Write into a batched table only through ``add`` inside a block: a row written directly there gets
its id before the rows still waiting, and nothing in the block may read the waiting rows back.
"""

import contextlib
import contextvars
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, models, transaction

from core.insert_sql import insert_sql

_open: contextvars.ContextVar["_Batch | None"] = contextvars.ContextVar("batched_inserts", default=None)


class _Added:
    """Rows added together, kept as a (no-op) commit hook: gone when their savepoint rolls back."""

    __slots__ = ("rows", "written")

    def __init__(self, rows: list, written):
        self.rows, self.written = rows, written

    def __call__(self):
        pass


class _Batch:
    def __init__(self, using: str):
        self.using = using
        self.added: list[_Added] = []

    def write(self) -> None:
        connection = transaction.get_connection(self.using)
        live = {id(hook) for _sids, hook, _robust in connection.run_on_commit if isinstance(hook, _Added)}
        groups: dict[tuple, list] = {}
        for added in self.added:
            if id(added) in live:
                groups.setdefault((type(added.rows[0]), added.written), []).extend(added.rows)
        if connection.vendor == "postgresql" and len(groups) > 1:
            _insert_together(connection, groups)
            return
        for (model, written), rows in groups.items():
            _insert(model, rows, written)


@contextlib.contextmanager
def batched_inserts(using: str | None = None):
    """Gather what ``add`` is given until the block ends, then write each table's rows at once."""
    using = using or DEFAULT_DB_ALIAS
    with transaction.atomic(using=using, savepoint=False):
        if _open.get() is not None:
            yield
            return
        batch = _Batch(using)
        token = _open.set(batch)
        try:
            yield
        finally:
            _open.reset(token)
        batch.write()


def add(rows: list[models.Model], *, written: Callable[[list], None] | None = None) -> None:
    """Insert ``rows`` (new instances of one model): at the end of the open block, or now when none
    is open. ``written`` is called with the rows once they are in the database (ids set), once per
    block for all the rows it was given with."""
    if not rows:
        return
    batch = _open.get()
    if batch is None or not transaction.get_connection(batch.using).in_atomic_block:
        _insert(type(rows[0]), rows, written)
        return
    added = _Added(rows, written)
    batch.added.append(added)
    transaction.on_commit(added, using=batch.using)


def _insert(model, rows: list, written) -> None:
    model.objects.bulk_create(rows)
    if written is not None:
        written(rows)


def _insert_together(connection, groups: dict[tuple, list]) -> None:
    """PostgreSQL: every table's rows in one statement, a ``WITH`` of one INSERT each. An
    auto-increment key comes back as each INSERT's keys in order (the sequence is drawn row by row,
    in the order of its ``VALUES``), and is set on the rows as ``bulk_create`` sets it."""
    quote = connection.ops.quote_name
    inserts, results, params = [], [], []
    for n, ((model, _written), rows) in enumerate(groups.items()):
        sql, values = insert_sql(connection, model, rows)
        key = model._meta.pk
        if isinstance(key, models.AutoField):
            inserts.append(f"insert_{n} AS ({sql} RETURNING {quote(key.column)})")
            results.append(f"(SELECT array_agg({quote(key.column)} ORDER BY {quote(key.column)}) FROM insert_{n})")
        else:  # the key was made here (a uuid): nothing to read back
            inserts.append(f"insert_{n} AS ({sql} RETURNING 1)")
            results.append(f"(SELECT count(*) FROM insert_{n})")
        params += values
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(inserts)} SELECT {', '.join(results)}", params)
        returned = cursor.fetchone()
    for ((model, written), rows), keys in zip(groups.items(), returned, strict=True):
        if isinstance(model._meta.pk, models.AutoField):
            for row, key in zip(rows, keys, strict=True):
                row.pk = key
        for row in rows:
            row._state.adding, row._state.db = False, connection.alias
        if written is not None:
            written(rows)

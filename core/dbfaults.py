"""Transient database failures: a restarted PostgreSQL, a dropped connection, a busy SQLite.

A request that hits one is retried once when it has written nothing (no statement that could
change data has committed); otherwise it gets a clean "try again" answer (503). Whether
anything was written is learnt from the statements themselves, through Django's
``execute_wrapper``, so no view needs to declare it.
"""

import contextlib
import select

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils.translation import gettext

RETRY_AFTER_SECONDS = 3

# Errors that say "the database could not answer now", not "your request is wrong": a lost or
# refused connection, a restart, a deadlock or a lock timeout. Integrity errors are not here.
TRANSIENT = (OperationalError, InterfaceError)

# Statements that cannot change data. A plpgsql function can write from inside a SELECT: the
# ones Homeslot defines are all named ``homeslot_…``, so a SELECT that calls one is a write —
# unless it returned no row: each of them writes nothing when it returns none (the claim
# function declines so, leaving the claim to the ORM path: tasks.claim_sql).
_READS = ("SELECT", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SET ", "EXPLAIN")


def _may_write(sql: str) -> bool:
    head = sql.lstrip()[:16].upper()
    return not head.startswith(_READS) or "homeslot_" in sql


def _declined(sql: str, cursor) -> bool:
    """A SELECT of one of our functions that returned no row: it wrote nothing."""
    return sql.lstrip()[:16].upper().startswith("SELECT") and getattr(cursor, "rowcount", -1) == 0


class WriteTracker:
    """Installed around a request: whether trying it again could do anything twice.

    ``wrote``: a statement that may write has committed (at once in autocommit, or when its
    transaction committed). ``pending``: such a statement ran in a transaction that has not
    committed (yet). A transient failure raised *by a statement* aborts its transaction, so what
    was pending was never written; a failure anywhere else while a write is pending — above all at
    COMMIT, whose outcome the server may never have told us — leaves it unknown. So a request is
    tried again only when nothing was written and nothing is unknown (``safe_to_retry``)."""

    def __init__(self):
        self.wrote = False
        self.pending = False
        self.unknown = False
        self.failed_in_statement = False

    def __call__(self, execute, sql, params, many, context):
        writes = _may_write(sql if isinstance(sql, str) else str(sql))
        db = context["connection"]
        try:
            result = execute(sql, params, many, context)
        except TRANSIENT:
            self.failed_in_statement = True
            if writes and not db.in_atomic_block:
                self.unknown = True  # an autocommit write cut off: it may have committed
            raise
        self.failed_in_statement = False
        if writes and _declined(sql if isinstance(sql, str) else str(sql), context.get("cursor")):
            writes = False
        if writes and not self.wrote:
            if not db.in_atomic_block:
                self.wrote = True
            else:
                self.pending = True
                if not any(entry[1] == self._committed for entry in db.run_on_commit):
                    transaction.on_commit(self._committed, using=db.alias)  # a rollback drops this
        return result

    def _committed(self):
        self.wrote = True
        self.pending = False

    @property
    def safe_to_retry(self) -> bool:
        return not self.wrote and not self.unknown and (not self.pending or self.failed_in_statement)


@contextlib.contextmanager
def tracking(tracker: WriteTracker):
    with connection.execute_wrapper(tracker):
        yield tracker


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT)


def discard_broken_connection() -> None:
    """After a transient failure the connection may be dead, and so may every other idle one in
    the pool (a restart kills them all): give this one back and drop the pool's dead ones in one
    pass, so the next use opens a live connection instead of finding the next dead one."""
    with contextlib.suppress(Exception):
        if connection.in_atomic_block:
            return  # inside a caller's transaction: the caller's rollback comes first
        connection.close()
    pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
    if pool is not None:
        with contextlib.suppress(Exception):
            pool.check()


def idle_connection_is_dead(conn) -> bool:
    """An idle connection whose socket has something to read was closed by the server (a restart
    or ``pg_terminate_backend`` sends the reason, then hangs up): no round trip needed to know.
    ``poll``, not ``select``: a server with a thousand sockets open has descriptors past 1024."""
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def unavailable_message() -> str:
    return gettext("The service is busy for a moment. Please try again in a few seconds.")

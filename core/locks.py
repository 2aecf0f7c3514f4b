"""The one lock order of Homeslot, and the only way a service takes a row lock.

Two transactions that lock the same rows in opposite orders wait for each other until
PostgreSQL kills one of them (SQLSTATE 40P01, ``deadlock detected``). So every transaction
locks rows in the order of ``ORDER`` below, and rows of one kind by primary key:

0. ``accounts.smscode``, ``accounts.company`` (an operator's review), ``accounts.invitation``, ``accounts.membership``, ``accounts.apitoken`` —
   people's access (one-time codes, invitations, roles, tokens): taken alone, before anything below
   ``skills.skill`` — a company's change to a skill (peer review opened): taken alone
1. ``tasks.project``        — a supervisor's change to a project (split, slots, publish)
2. ``workers.workerprofile`` — her profile: one mother's claims and releases run one at a time
3. ``tasks.appeal``         — an appeal's decision starts from the appeal, then its submission
4. ``tasks.submission``     — a review (and the auto-accept) starts from the submission
5. ``tasks.review``         — a review audited (a peer's), after its submission
6. ``tasks.claim``          — her claim (submit, release, expiry); a stale claim before its task
7. ``tasks.task``           — the task she takes or hands in
8. ``tasks.timeslot``       — the slot's place count, changed last: the hot row is held briefly
9. ``ledger.payoutbatch``   — a payout batch
10. ``ledger.adjustmentrequest`` — an adjustment waiting for its second finance user
11. ``ledger.account``       — ledger accounts (her payable account before any debit)
12. ``skills.workerskill``   — her level in a skill, recomputed after the review and its credit
13. ``workers.payoutaccount`` — where her pay goes: changed alone (or resealed with a new key)
14. ``integrations.webhookendpoint`` — a company's webhook (after the company's row when one is added)
15. ``integrations.webhookdelivery`` — a delivery of it: claimed, recorded, replayed after its endpoint
16. ``notices.noticesettings`` — her notification choices: an SMS counted against her daily cap, last

A conditional ``UPDATE`` locks the rows it changes just as ``SELECT … FOR UPDATE`` does:
``lock_update`` is that lock, in the same order. Rows already locked (by ``lock``) may be
updated with a plain ``update()``. An ``Idempotency-Key`` is claimed (a unique row inserted,
``accounts.idempotency``) before all of these: a duplicate request waits there, holding nothing.

This module imports no Homeslot app: callers pass their querysets. With
``settings.HOMESLOT_LOCK_ORDER_CHECK`` (on under DEBUG and in the tests) each lock remembers its
rank for the current transaction, and a lock of a lower rank after a higher one raises
``LockOrderError`` at once, naming both — the mistake shows in a test, not as a rare deadlock
in production. Equal ranks are allowed (within one call rows are taken by primary key).
"""

from django.conf import settings
from django.db import connections, router

ORDER = (
    "accounts.smscode",
    "accounts.company",
    "accounts.invitation",
    "accounts.membership",
    "accounts.apitoken",
    "skills.skill",
    "tasks.project",
    "workers.workerprofile",
    "tasks.appeal",
    "tasks.submission",
    "tasks.review",
    "tasks.claim",
    "tasks.task",
    "tasks.timeslot",
    "ledger.payoutbatch",
    "ledger.adjustmentrequest",
    "ledger.account",
    "skills.workerskill",
    "workers.payoutaccount",
    "integrations.webhookendpoint",
    "integrations.webhookdelivery",
    "notices.noticesettings",
)
RANK = {label: rank for rank, label in enumerate(ORDER, start=1)}


class LockOrderError(RuntimeError):
    """A lock taken against the project's lock order (a programming error, never a user's)."""


def lock(queryset, *, skip_locked: bool = False) -> list:
    """Lock the rows of ``queryset`` (``SELECT … FOR UPDATE OF`` its own table), by primary key,
    and return them. ``skip_locked``: pass over rows another transaction holds (claim-next)."""
    rank = _rank_of(queryset.model)
    using = queryset.db
    _check(using, rank, queryset.model)
    query = queryset.order_by("pk").select_for_update(of=("self",), skip_locked=skip_locked)
    rows = list(query)
    if rows:
        _remember(using, rank, queryset.model)
    return rows


def lock_one(queryset, *, skip_locked: bool = False):
    """The first row of ``queryset`` by primary key, locked; None when there is none (or, with
    ``skip_locked``, none free)."""
    rank = _rank_of(queryset.model)
    using = queryset.db
    _check(using, rank, queryset.model)
    row = queryset.order_by("pk").select_for_update(of=("self",), skip_locked=skip_locked).first()
    if row is not None:
        _remember(using, rank, queryset.model)
    return row


def lock_update(queryset, **changes) -> int:
    """A conditional ``UPDATE`` (it locks the rows it changes): the number of rows changed."""
    rank = _rank_of(queryset.model)
    using = router.db_for_write(queryset.model)
    _check(using, rank, queryset.model)
    changed = queryset.update(**changes)
    if changed:
        _remember(using, rank, queryset.model)
    return changed


def _rank_of(model) -> int:
    label = model._meta.label_lower
    try:
        return RANK[label]
    except KeyError:
        raise LockOrderError(f"{label} is not in core.locks.ORDER: add it there, in its place") from None


# --- the check (DEBUG and tests) ----------------------------------------------------------


class _Held:
    """A lock taken in this transaction. Kept as a no-op commit hook of the connection, so it
    lives exactly as long as the transaction (or savepoint) that took it: Django drops the
    hooks of a rolled-back savepoint — whose row locks PostgreSQL releases too — and starts a
    new list for every transaction."""

    __slots__ = ("label", "rank", "scope")

    def __init__(self, rank: int, label: str, scope):
        self.rank, self.label, self.scope = rank, label, scope

    def __call__(self):
        pass


def _enabled() -> bool:
    return getattr(settings, "HOMESLOT_LOCK_ORDER_CHECK", settings.DEBUG)


def _scope(connection):
    """Which transaction a lock belongs to. Outside tests: the connection's transaction. Inside a
    test case's own atomic blocks (which never commit): the first block opened below them, that
    is the service's own transaction, so two services called one after the other in a test are
    two transactions, as they are in production."""
    blocks = connection.atomic_blocks
    depth = 0
    while depth < len(blocks) and getattr(blocks[depth], "_from_testcase", False):
        depth += 1
    if depth == 0:
        return None
    offset = len(blocks) - len(connection.savepoint_ids)  # the outermost block has no savepoint
    index = depth - offset
    if depth == len(blocks):  # locked by the test itself
        index -= 1
    return connection.savepoint_ids[index] if 0 <= index < len(connection.savepoint_ids) else None


def _check(using: str, rank: int, model) -> None:
    if not _enabled():
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        raise LockOrderError(f"{model._meta.label_lower}: a lock outside a transaction is released at once")
    scope = _scope(connection)
    held = [hook for _sids, hook, _robust in connection.run_on_commit if isinstance(hook, _Held)]
    above = [h for h in held if h.scope == scope and h.rank > rank]
    if above:
        highest = max(above, key=lambda h: h.rank)
        raise LockOrderError(
            f"lock order: {model._meta.label_lower} (rank {rank}) after {highest.label} (rank {highest.rank}) "
            f"in one transaction; the order is {' → '.join(ORDER)} (core.locks)"
        )


def _remember(using: str, rank: int, model) -> None:
    if not _enabled():
        return
    connection = connections[using]
    connection.on_commit(_Held(rank, model._meta.label_lower, _scope(connection)))

"""The process hub: one channel-layer member per server process and group.

A thousand phones following one project on one server process would otherwise be a thousand
members of ``project.<id>``: every batch copied a thousand times through Redis and received
by a thousand consumers one round trip each. Instead the hub joins each group once for the
whole process, receives each message once, and hands the already-encoded text to the local
sockets that hear that group.

The hub also keeps the process's memberships alive. It re-joins its groups every few minutes
(a membership expires after the layer's ``group_expiry``), and it pings itself through a
group of its own every few seconds: a ping that does not come back means the layer lost the
memberships (a restarted Redis has none), and it re-joins at once. Sockets that stayed open
through an outage therefore hear new events without reconnecting; what they missed meanwhile
they learn from the heartbeat, which the hub sends every ``HOMESLOT_HEARTBEAT_SECONDS`` with
the newest ids from one database read for all of the process's groups, and replay with
``resume``.

Nothing is lost for good, whatever the layer does. The channel layer delivers at most once: a
``group_send`` refused while Redis is down, a message in a Redis that restarted, a group that had
no members for a moment are all gone — and a client that later hears a newer id is past the
hole without knowing. So each hub accounts for every event of its groups: it notes the id of
each one it hands out, and every few seconds (every second while the layer is down) it counts
the outbox rows of its groups after a checkpoint and compares; a group with more rows than the
hub handed out gets the missing ones read from the outbox and sent to its sockets, as the batch
the relay would have sent. Events younger than ``REPAIR_GRACE`` may still be on their way and are
left for the next round; the checkpoint moves only past ids handed out more than
``SETTLE_SECONDS`` ago (an event's id is taken before its transaction commits, so a slow
transaction can show a lower id later). The heartbeat carries, beside the newest id, the id up to
which the socket has had everything (``complete``): a client whose socket drops resumes after
it, so a hole the repair had not yet filled is replayed to it.

Every ``ACCESS_POLL_SECONDS`` the hub reads the new ``accounts.AccessChange`` rows (sign-outs,
revoked tokens, removals, role changes, written by any process in the change's transaction; one
indexed query) and asks that user's sockets here to re-check their access, so they close within
seconds on every server — through a Redis outage too, as the rows live in the database.

A hub lives on one event loop and stops when its last socket leaves.
"""

import asyncio
import contextlib
import datetime
import json
import logging
from dataclasses import dataclass, field
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from accounts.selectors import AccessChangeCursor
from realtime import selectors
from realtime.groups import worker_group
from realtime.publish import batch_message

logger = logging.getLogger(__name__)
RETRY_SECONDS = 1.0
PING_SECONDS = 5.0
REFRESH_SECONDS = 180.0  # well inside the 600 s group_expiry of settings.CHANNEL_LAYERS
REPAIR_SECONDS = 5.0  # how often the hub checks the outbox for events the layer did not bring
REPAIR_SECONDS_DOWN = 1.0  # while the layer is down: the outbox is then the only way events come
REPAIR_GRACE = 1.5  # an event younger than this may still be in the relay's coalescing window
SETTLE_SECONDS = 15.0  # no transaction that writes events runs longer: past this, ids are final
ACCESS_POLL_SECONDS = 2.0


class Listener(Protocol):
    joined: set[str]

    async def deliver(self, text: str) -> None: ...

    async def heartbeat(self, latest: int, complete: int | None) -> None: ...

    async def access_recheck(self) -> bool: ...


@dataclass
class _Ledger:
    """What a hub has handed out of one group: every event after ``checkpoint`` is in ``handed``
    (id → when it was written, epoch seconds) or not yet accounted for."""

    checkpoint: int | None
    handed: dict[int, float] = field(default_factory=dict)
    since: dict = field(default_factory=dict)  # listener → the id it started after


class Hub:
    def __init__(self, layer, loop: asyncio.AbstractEventLoop):
        self.layer = layer
        self.loop = loop
        self.members: dict[str, set[Listener]] = {}
        self.ledgers: dict[str, _Ledger] = {}
        self.channel: str | None = None
        self.canary: str | None = None  # a group of this hub alone, for its pings
        self._ping_lost = False
        self._tasks: list[asyncio.Task] = []
        self._layer_down = False
        self.repaired = 0  # events this hub read from the outbox because the layer lost them
        self._rechecks: set[asyncio.Task] = set()

    async def join(self, group: str, listener: Listener, *, since: int | None = None) -> None:
        """Hand ``group``'s events to ``listener``; ``since`` is the id it has everything up to
        (its ``ready.latest``): events after it that the layer loses are repaired to it."""
        if not self._tasks:
            await self._start()
        members = self.members.setdefault(group, set())
        first = not members
        members.add(listener)
        ledger = self.ledgers.get(group)
        if ledger is None:
            ledger = self.ledgers[group] = _Ledger(checkpoint=since)
        # What came before the group was accounted for here is resume's job, not the repair's.
        known = [value for value in (since, ledger.checkpoint) if value is not None]
        ledger.since[listener] = max(known) if known else None
        if first:
            await self._layer_call(self.layer.group_add, group)

    async def leave(self, group: str, listener: Listener) -> None:
        members = self.members.get(group)
        if members is None:
            return
        members.discard(listener)
        if group in self.ledgers:
            self.ledgers[group].since.pop(listener, None)
        if not members:
            del self.members[group]
            self.ledgers.pop(group, None)
            await self._layer_call(self.layer.group_discard, group)
        if not self.members:
            await self._stop()

    async def _start(self) -> None:
        # The layer's default prefix: channels_redis receives all of a process's own channels
        # through one shared pop, which only serves names of that one prefix.
        channel = await self.layer.new_channel()
        if self._tasks:  # another socket started it meanwhile
            return
        self.channel = channel
        self.canary = "hub." + channel.rpartition("!")[2]
        self._tasks = [
            self.loop.create_task(self._receive_forever()),
            self.loop.create_task(self._watch_forever()),
            self.loop.create_task(self._beat_forever()),
            self.loop.create_task(self._repair_forever()),
            self.loop.create_task(self._watch_access_forever()),
        ]

    async def _stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _receive_forever(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._note_failure()
                # Back only when the layer takes our memberships again (a restarted Redis has none).
                await asyncio.sleep(RETRY_SECONDS)
                while not await self._rejoin():
                    await asyncio.sleep(RETRY_SECONDS)
                continue
            self._note_success()
            if message.get("type") == "hub.ping":
                self._ping_lost = False
                continue
            group, text = message.get("group"), message.get("text")
            await self._fan_out(group, self._unhanded(group, text, message.get("ids")))

    def _unhanded(self, group: str | None, text: str | None, ids) -> str | None:
        """The text to hand out for a live message: all of it, or only its events the hub has not
        already handed out by a repair (None when it has them all)."""
        ledger = self.ledgers.get(group)
        if ledger is None or not ids or text is None:
            return text
        fresh = [(event_id, at) for event_id, at in ids if event_id not in ledger.handed]
        for event_id, at in fresh:
            # At or below the checkpoint an id is no longer counted (a very late one: hand it out).
            if ledger.checkpoint is None or event_id > ledger.checkpoint:
                ledger.handed[event_id] = at
        if len(fresh) == len(ids):
            return text
        if not fresh:
            return None
        message = json.loads(text)  # rare: a repair overtook part of a batch
        keep = {event_id for event_id, _at in fresh}
        events = [event for event in message.get("events", [message]) if event["id"] in keep]
        batch = {"type": "batch", "latest": events[-1]["id"], "events": events}
        return json.dumps(batch, ensure_ascii=False, separators=(",", ":"))

    async def _fan_out(self, group: str | None, text: str | None, listeners=None) -> None:
        if text is None:
            return
        for listener in list(self.members.get(group, ()) if listeners is None else listeners):
            try:
                await listener.deliver(text)
            except Exception:  # a socket that cannot be written to any more: forget it
                logger.debug("realtime: could not deliver to a closing socket", exc_info=True)
                await self.forget(listener)

    async def forget(self, listener: Listener) -> None:
        for group in [g for g, members in self.members.items() if listener in members]:
            await self.leave(group, listener)

    async def _watch_forever(self) -> None:
        refreshed = None
        while True:
            now = self.loop.time()
            due = self._ping_lost or refreshed is None or now - refreshed > REFRESH_SECONDS
            if due and await self._rejoin():
                refreshed = now
            self._ping_lost = True  # until the receive loop hears this ping
            try:
                await self.layer.group_send(self.canary, {"type": "hub.ping"})
            except Exception:
                self._note_failure()
            await asyncio.sleep(PING_SECONDS)

    async def _beat_forever(self) -> None:
        interval = settings.HOMESLOT_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(interval)
            await self._beat()

    async def _beat(self) -> None:
        try:
            latest = await database_sync_to_async(selectors.latest_ids)(list(self.members))
            self._latest = latest
        except Exception:  # the database is restarting: beat with what was newest last time
            logger.warning("realtime: heartbeat from the last known ids, the database did not answer", exc_info=True)
            latest = getattr(self, "_latest", {})
        listeners = {listener for members in self.members.values() for listener in members}
        for listener in listeners:
            newest = max((latest.get(group, 0) for group in listener.joined), default=0)
            try:
                await listener.heartbeat(newest, self.complete_for(listener))
            except Exception:
                logger.debug("realtime: could not send a heartbeat to a closing socket", exc_info=True)

    def complete_for(self, listener) -> int | None:
        """The id up to which ``listener`` has had every event of its groups: what a client resumes
        after when its socket drops (a hole the repair had not filled yet is then replayed)."""
        complete = None
        for group in listener.joined:
            ledger = self.ledgers.get(group)
            if ledger is None or listener not in ledger.since:
                continue
            known = [value for value in (ledger.since[listener], ledger.checkpoint) if value is not None]
            if known:
                complete = max(known) if complete is None else min(complete, max(known))
        return complete

    async def _repair_forever(self) -> None:
        while True:
            down = self._layer_down or self._ping_lost
            await asyncio.sleep(REPAIR_SECONDS_DOWN if down else REPAIR_SECONDS)
            try:
                await self.repair()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is restarting: try again next round
                logger.warning("realtime: outbox check skipped, the database did not answer", exc_info=True)

    async def repair(self) -> int:
        """One round of accounting (see the module's docstring); returns how many events it sent."""
        if not self.ledgers:
            return 0
        unknown = [group for group, ledger in self.ledgers.items() if ledger.checkpoint is None]
        if unknown:  # joined without a starting id: account from the newest event on
            for group, newest in (await database_sync_to_async(selectors.latest_ids)(unknown)).items():
                if group in self.ledgers and self.ledgers[group].checkpoint is None:
                    self.ledgers[group].checkpoint = newest
        now = timezone.now()
        settled_before = now - datetime.timedelta(seconds=REPAIR_GRACE)
        checkpoints = {g: ledger.checkpoint for g, ledger in self.ledgers.items() if ledger.checkpoint is not None}
        counts = await database_sync_to_async(selectors.settled_counts)(checkpoints, before=settled_before)
        sent = 0
        for group, count in counts.items():
            ledger = self.ledgers.get(group)
            if ledger is None or ledger.checkpoint != checkpoints[group]:
                continue  # left, or re-joined, while the database was being read
            cutoff = settled_before.timestamp()
            ceiling = None
            if count > sum(1 for at in ledger.handed.values() if at < cutoff):
                handed_out, ceiling = await self._send_missing(group, ledger, before=settled_before)
                sent += handed_out
            self._settle(ledger, now.timestamp(), ceiling=ceiling)
        self.repaired += sent
        return sent

    async def _send_missing(self, group: str, ledger: _Ledger, *, before) -> tuple[int, int | None]:
        """Send what the layer lost; returns how many, and the last id read when the read was cut
        at MAX_REPAIR (the checkpoint must not pass ids not read yet)."""
        after = ledger.checkpoint
        rows = await database_sync_to_async(selectors.settled_events)(group, after=after, before=before)
        ceiling = rows[-1].id if len(rows) >= selectors.MAX_REPAIR else None
        missing = [row for row in rows if row.id not in ledger.handed]
        if group not in self.ledgers or not missing:
            return 0, ceiling
        for row in missing:
            ledger.handed[row.id] = row.at.timestamp()
        logger.warning(
            "realtime: %s events of %s never came through the layer; sent from the outbox", len(missing), group
        )
        # A socket gets only events after the id it started from.
        by_start: dict[int, list] = {}
        for listener, start in list(ledger.since.items()):
            by_start.setdefault(start or 0, []).append(listener)
        for start, listeners in by_start.items():
            wanted = [row for row in missing if row.id > start]
            if wanted:
                await self._fan_out(group, batch_message(wanted)["text"], listeners)
        return len(missing), ceiling

    @staticmethod
    def _settle(ledger: _Ledger, now: float, *, ceiling: int | None = None) -> None:
        """Move the checkpoint past ids handed out long enough ago, and forget them."""
        final = [event_id for event_id, at in ledger.handed.items() if at < now - SETTLE_SECONDS]
        if not final:
            return
        checkpoint = max(final) if ceiling is None else min(max(final), ceiling)
        ledger.checkpoint = max(ledger.checkpoint or 0, checkpoint)
        for event_id in [i for i in ledger.handed if i <= ledger.checkpoint]:
            del ledger.handed[event_id]

    async def _watch_access_forever(self) -> None:
        cursor = None
        while True:
            try:
                if cursor is None:
                    cursor = await database_sync_to_async(AccessChangeCursor.starting_now)()
                users = await database_sync_to_async(cursor.poll)()
            except Exception:  # the database is restarting: the rows wait for the next poll
                logger.warning("realtime: access changes not read, the database did not answer", exc_info=True)
                users = []
            for user_id in users:  # every socket of a user hears her worker group
                for listener in list(self.members.get(worker_group(user_id), ())):
                    # A task of its own: a socket that closes may be the hub's last, and stop it.
                    recheck = self.loop.create_task(self._recheck(listener))
                    self._rechecks.add(recheck)
                    recheck.add_done_callback(self._rechecks.discard)
            await asyncio.sleep(ACCESS_POLL_SECONDS)

    async def _recheck(self, listener: Listener) -> None:
        try:
            await listener.access_recheck()
        except Exception:
            logger.warning("realtime: an access re-check failed", exc_info=True)

    async def _rejoin(self) -> bool:
        """Refresh every membership of this process (expiry; a Redis that restarted empty)."""
        for group in [self.canary, *self.members]:
            if not await self._layer_call(self.layer.group_add, group):
                return False
        return True

    async def _layer_call(self, method, group: str) -> bool:
        try:
            await method(group, self.channel)
        except Exception:  # the layer is down: the socket stays; memberships come back with it
            self._note_failure()
            return False
        self._note_success()
        return True

    def _note_failure(self) -> None:
        if not self._layer_down:
            logger.exception("realtime: channel layer unavailable; sockets stay open and catch up when it returns")
        self._layer_down = True

    def _note_success(self) -> None:
        if self._layer_down:
            logger.warning("realtime: channel layer is back")
        self._layer_down = False


_hub: Hub | None = None


def hub_for(layer) -> Hub:
    """The hub of the running event loop and channel layer."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop or _hub.layer is not layer:
        _hub = Hub(layer, loop)
    return _hub

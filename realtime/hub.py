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

Every ``ACCESS_POLL_SECONDS`` the hub reads the new ``accounts.AccessChange`` rows (sign-outs,
revoked tokens, removals, role changes, written by any process in the change's transaction; one
indexed query) and asks that user's sockets here to re-check their access, so they close within
seconds on every server — through a Redis outage too, as the rows live in the database.

A hub lives on one event loop and stops when its last socket leaves.
"""

import asyncio
import contextlib
import logging
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from accounts.selectors import AccessChangeCursor
from realtime import selectors
from realtime.groups import worker_group

logger = logging.getLogger(__name__)
RETRY_SECONDS = 1.0
PING_SECONDS = 5.0
REFRESH_SECONDS = 180.0  # well inside the 600 s group_expiry of settings.CHANNEL_LAYERS
ACCESS_POLL_SECONDS = 2.0


class Listener(Protocol):
    joined: set[str]

    async def deliver(self, text: str) -> None: ...

    async def heartbeat(self, latest: int) -> None: ...

    async def access_recheck(self) -> bool: ...


class Hub:
    def __init__(self, layer, loop: asyncio.AbstractEventLoop):
        self.layer = layer
        self.loop = loop
        self.members: dict[str, set[Listener]] = {}
        self.channel: str | None = None
        self.canary: str | None = None  # a group of this hub alone, for its pings
        self._ping_lost = False
        self._tasks: list[asyncio.Task] = []
        self._layer_down = False
        self._rechecks: set[asyncio.Task] = set()

    async def join(self, group: str, listener: Listener) -> None:
        if not self._tasks:
            await self._start()
        members = self.members.setdefault(group, set())
        first = not members
        members.add(listener)
        if first:
            await self._layer_call(self.layer.group_add, group)

    async def leave(self, group: str, listener: Listener) -> None:
        members = self.members.get(group)
        if members is None:
            return
        members.discard(listener)
        if not members:
            del self.members[group]
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
            await self._fan_out(message.get("group"), message.get("text"))

    async def _fan_out(self, group: str | None, text: str | None) -> None:
        if text is None:
            return
        for listener in list(self.members.get(group, ())):
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
        except Exception:  # the database is restarting: skip one beat
            logger.warning("realtime: heartbeat skipped, the database did not answer", exc_info=True)
            return
        listeners = {listener for members in self.members.values() for listener in members}
        for listener in listeners:
            try:
                await listener.heartbeat(max((latest.get(group, 0) for group in listener.joined), default=0))
            except Exception:
                logger.debug("realtime: could not send a heartbeat to a closing socket", exc_info=True)

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

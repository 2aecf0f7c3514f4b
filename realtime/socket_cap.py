"""At most ``HOMESLOT_SOCKETS_PER_USER`` open sockets per user, across every server process.

A socket takes a place when its user is known (session at connect, or the ``auth`` message) and gives
it back when it closes. A place is a member of a sorted set per user in Redis whose score is the time
it lapses; every heartbeat of the socket (``HOMESLOT_HEARTBEAT_SECONDS``) pushes that time on, so the
places of a server process that died without closing its sockets lapse after ``LAPSE_HEARTBEATS``
missed heartbeats instead of locking the user out. Without Redis the same bookkeeping is kept in the
process (one process serves every socket then).

The cap guards the server against one account opening sockets without end (a looping script, a stolen
token); it is not a rule of the domain, so when Redis does not answer the socket is let in (realtime
is built to ride out a Redis outage) and the refusal is logged once.
"""

import asyncio
import logging
import time

import redis.asyncio
from django.conf import settings

logger = logging.getLogger(__name__)
LAPSE_HEARTBEATS = 3

# Drop lapsed places, then take one if fewer than the cap are held. One script: atomic in Redis.
# Keeping a place adds it again if it lapsed meanwhile (an outage longer than the lapse): an open
# socket always counts.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""
_KEEP = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


def _lapse_seconds() -> float:
    return max(LAPSE_HEARTBEATS * settings.HOMESLOT_HEARTBEAT_SECONDS, 5.0)


class _InProcess:
    """Places of this process's sockets: user id → {socket id: when the place lapses}."""

    def __init__(self):
        self.places: dict[int, dict[str, float]] = {}

    async def take(self, user_id: int, socket_id: str, cap: int) -> bool:
        now = time.time()
        held = {s: t for s, t in self.places.get(user_id, {}).items() if t > now}
        if len(held) >= cap:
            self.places[user_id] = held
            return False
        held[socket_id] = now + _lapse_seconds()
        self.places[user_id] = held
        return True

    async def keep(self, user_id: int, socket_id: str) -> None:
        held = self.places.get(user_id, {})
        if socket_id in held:
            held[socket_id] = time.time() + _lapse_seconds()

    async def give_back(self, user_id: int, socket_id: str) -> None:
        held = self.places.get(user_id, {})
        held.pop(socket_id, None)
        if not held:
            self.places.pop(user_id, None)


class _Redis:
    """The same places in Redis, shared by every server process on it."""

    def __init__(self, url: str, prefix: str):
        self.url, self.prefix = url, prefix
        self._client = self._loop = None
        self._down = False

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}:sockets:{user_id}"

    def _redis(self):
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:  # a client belongs to the loop that opened it
            self._client = redis.asyncio.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
            self._loop = loop
        return self._client

    async def take(self, user_id: int, socket_id: str, cap: int) -> bool:
        now = time.time()
        lapse = _lapse_seconds()
        try:
            taken = await self._redis().eval(
                _TAKE, 1, self._key(user_id), now, now + lapse, socket_id, cap, int(lapse * 1000)
            )
        except Exception:
            self._note_down()
            return True
        self._note_up()
        return bool(taken)

    async def keep(self, user_id: int, socket_id: str) -> None:
        lapse = _lapse_seconds()
        try:
            await self._redis().eval(_KEEP, 1, self._key(user_id), time.time() + lapse, socket_id, int(lapse * 1000))
        except Exception:
            self._note_down()

    async def give_back(self, user_id: int, socket_id: str) -> None:
        try:
            await self._redis().zrem(self._key(user_id), socket_id)
        except Exception:
            self._note_down()

    def _note_down(self) -> None:
        if not self._down:
            logger.warning("realtime: Redis did not answer; the sockets-per-user cap is not enforced meanwhile")
        self._down = True

    def _note_up(self) -> None:
        self._down = False


_places = None


def places():
    """The process's bookkeeping: Redis when configured, else in-process."""
    global _places
    wanted = ("redis", settings.REDIS_URL, settings.HOMESLOT_REDIS_PREFIX) if settings.REDIS_URL else ("local",)
    if _places is None or _places[0] != wanted:
        backend = _Redis(settings.REDIS_URL, settings.HOMESLOT_REDIS_PREFIX) if settings.REDIS_URL else _InProcess()
        _places = (wanted, backend)
    return _places[1]

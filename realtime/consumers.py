"""``/ws/``: thin — authenticate, authorise every group, forward events, replay from the outbox.

Protocol (API.md): a page is authenticated by its session cookie; any other client sends
``{"type": "auth", "token": "<key>"}`` first (never in the URL). Then ``follow``/``unfollow``
a project and ``resume`` after the last event id it saw. The server sends events
``{type, id, at, data}``, ``{"type": "heartbeat", "latest": id}`` every ~25 s, and
``{"type": "resync"}`` when a gap cannot be replayed (re-read through the API).

A socket hears only what its user may hear *now*: after a sign-out, a revoked token, a removal
or a role change (an ``accounts.AccessChange``, read by the process hub) and before every
``resume``, it re-checks its credential and groups, and closes with 4401 when the credential no
longer signs her in, 4403 when what she may hear changed (reconnect to hear what she may now).
"""

import asyncio
import logging
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.tokens import user_for_token
from core.ids import MAX_ID
from core.json_input import InvalidJSON, json_loads
from core.languages import scope_language
from realtime import security, selectors, socket_cap
from realtime.hub import hub_for

logger = logging.getLogger(__name__)
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_LARGE = 4413
CLOSE_TOO_MANY_SOCKETS = 4429
AUTH_TIMEOUT_SECONDS = 10
MAX_MESSAGE_CHARS = 64 * 1024  # a follow or a resume is a few dozen; an auth under a hundred
ID_FIELDS = ("project", "after")  # numbers a message carries that the database compares with


class LiveConsumer(AsyncJsonWebsocketConsumer):
    # No channel of its own: events reach the socket through the process hub, so a socket
    # costs the channel layer nothing and outlives a Redis restart.
    channel_layer_alias = None
    user = None
    joined: set
    started_after = None  # the id in ``ready.latest``: the socket is owed every event after it
    _credential: tuple[str, str] | None = None  # what it was authenticated with, to ask again
    _roles: dict[int, str] | None = None  # her roles when its groups were decided
    _access_closed = False

    async def connect(self):
        self.joined = set()
        self._tasks = []
        await self.accept()
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self._credential = security.socket_credential(session_key=self.scope["session"].session_key)
            await self._start(user)
        else:
            self._tasks.append(asyncio.ensure_future(self._auth_deadline()))

    async def _auth_deadline(self):
        await asyncio.sleep(AUTH_TIMEOUT_SECONDS)
        if self.user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _start(self, user):
        if not await self._take_a_place(user):
            return
        self.user = user
        # The cursor first: an event committed while the socket joins its groups is after it, so
        # if the layer does not bring it, the hub's repair does.
        self.started_after = await database_sync_to_async(selectors.cursor)()
        for group in await database_sync_to_async(security.home_groups)(user):
            await self._join(group)
        await self._remember_access(user)
        await self.send_json({"type": "ready", "user": user.pk, "latest": self.started_after})

    # Events and heartbeats reach this socket through the process hub (realtime/hub.py),
    # which is the one member of each group for all sockets of this process.
    async def _join(self, group: str, *, since: int | None = None):
        self.joined.add(group)
        since = self.started_after if since is None else since
        await hub_for(get_channel_layer()).join(group, self, since=since)

    async def deliver(self, text: str) -> None:
        await self.send(text_data=text)

    async def heartbeat(self, latest: int, complete: int | None = None) -> None:
        beat = {"type": "heartbeat", "latest": latest}
        if complete is not None:
            beat["complete"] = complete
        await self.send_json(beat)
        await self._keep_the_place()

    # --- Frames as they arrive. Whatever a client sends is answered ({"type": "error", "code": …}) or
    # closed with a 44xx code: nothing it sends may make the consumer raise (a 1011 and a traceback).
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            return await self._refuse_frame("unsupported_frame")  # a binary frame: the protocol is JSON text
        if len(text_data) > MAX_MESSAGE_CHARS:
            return await self.close(code=CLOSE_TOO_LARGE, reason="message too large")
        try:
            content = json_loads(text_data)
        except InvalidJSON:  # a syntax error, NaN, or nested absurdly deep
            return await self._refuse_frame("invalid_json")
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return await self._refuse_frame("unknown_message")
        if any(_beyond_a_key(content.get(field)) for field in ID_FIELDS):
            return await self._refuse_frame("invalid")
        await self.receive_json(content, **kwargs)

    async def _refuse_frame(self, code: str) -> None:
        if self.user is None:  # the first message must be a valid auth: 4401 says so
            return await self.close(code=CLOSE_UNAUTHENTICATED)
        await self.send_json({"type": "error", "code": code})

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if self.user is None:
            if kind == "auth" and isinstance(content.get("token"), str):
                user = await database_sync_to_async(user_for_token)(content["token"])
                if user is not None:
                    self._credential = security.socket_credential(token=content["token"])
                    return await self._start(user)
            return await self.close(code=CLOSE_UNAUTHENTICATED)
        handler = {"follow": self._follow, "unfollow": self._unfollow, "resume": self._resume}.get(kind)
        if handler is None:
            return await self._error("unknown_message", kind)
        await handler(content)

    async def _follow(self, content):
        project_id = content.get("project")
        if type(project_id) is not int or not await database_sync_to_async(security.may_follow)(self.user, project_id):
            return await self._error("not_found", "follow", project=project_id)
        # Owed what happens from now on: what came before the follow is resume's (a group new to
        # this process must not start its accounting at a socket's old cursor and replay history).
        await self._join(security.follow_group(project_id), since=await database_sync_to_async(selectors.cursor)())
        await self.send_json({"type": "followed", "project": project_id})

    async def _unfollow(self, content):
        group = security.follow_group(content.get("project")) if type(content.get("project")) is int else None
        if group in self.joined:
            self.joined.discard(group)
            await hub_for(get_channel_layer()).leave(group, self)
        await self.send_json({"type": "unfollowed", "project": content.get("project")})

    async def _resume(self, content):
        if not await self.access_recheck():  # never replay what she may no longer hear
            return
        after = content.get("after")
        if type(after) is not int or after < 0:
            return await self._error("invalid", "resume")
        missed = await database_sync_to_async(selectors.events_after)(sorted(self.joined), after)
        if missed is None:
            return await self.send_json({"type": "resync"})
        for message in missed:
            await self.send_json(message)
        await self.send_json({"type": "resumed", "latest": max([after, *(m["id"] for m in missed)])})

    # --- access re-checks: the hub asks after an accounts.AccessChange of this user; resume asks ---

    async def _remember_access(self, user) -> None:
        self._roles = await database_sync_to_async(security.access_snapshot)(user)

    async def access_recheck(self) -> bool:
        """Close (4401/4403) if her credential or access ended since the socket was authorised; True if it stays."""
        if self._access_closed:
            return False
        if self.user is None or self._credential is None or self._roles is None:
            return True  # not signed in yet: nothing to re-check
        verdict = await database_sync_to_async(security.access_verdict)(
            user_id=self.user.pk, credential=self._credential, roles=self._roles, joined=set(self.joined)
        )
        if verdict is None:
            return True
        self._access_closed = True
        await self._leave_hub()  # not one more event
        await self.close(code=CLOSE_UNAUTHENTICATED if verdict == security.UNAUTHENTICATED else CLOSE_FORBIDDEN)
        return False

    async def websocket_receive(self, message):
        if self._access_closed:  # closed for lost access: nothing more is taken from this socket
            return
        await super().websocket_receive(message)

    async def _error(self, code: str, about, **details):
        await self.send_json({"type": "error", "code": code, "about": about, **details})

    async def dispatch(self, message):
        # Channels does not call disconnect() when a handler raises: leave the hub here, or the
        # dead socket would stay a member (and keep the process's groups alive) for good.
        try:
            await super().dispatch(message)
        except BaseException:
            await self._leave_hub()
            raise

    async def _leave_hub(self):
        hub = hub_for(get_channel_layer())
        for group in list(getattr(self, "joined", ())):
            await hub.leave(group, self)
        self.joined = set()

    async def disconnect(self, code):
        for task in getattr(self, "_tasks", []):
            task.cancel()
        await self._leave_hub()
        await self._give_back_the_place()

    # --- Sockets per user (realtime/socket_cap.py): a place taken when the user is known, kept
    # alive by every heartbeat, given back on close; past the cap the socket is told and closed.
    async def _take_a_place(self, user) -> bool:
        self._place = (user.pk, uuid.uuid4().hex)
        if await socket_cap.places().take(*self._place, settings.HOMESLOT_SOCKETS_PER_USER):
            return True
        self._place = None
        with translation.override(scope_language(self.scope)):
            message = _(
                "You have too many live connections open. Close a page or the app on another device, then try again."
            )
        await self.send_json(
            {
                "type": "error",
                "code": "too_many_sockets",
                "message": message,
                "limit": settings.HOMESLOT_SOCKETS_PER_USER,
            }
        )
        await self.close(code=CLOSE_TOO_MANY_SOCKETS)
        return False

    async def _keep_the_place(self) -> None:
        if getattr(self, "_place", None):
            await socket_cap.places().keep(*self._place)

    async def _give_back_the_place(self) -> None:
        place, self._place = getattr(self, "_place", None), None
        if place:
            await socket_cap.places().give_back(*place)


def _beyond_a_key(value) -> bool:
    """An integer no database key can be compared with (SQLite cannot even bind one past 2^63)."""
    return type(value) is int and not 0 <= value <= MAX_ID

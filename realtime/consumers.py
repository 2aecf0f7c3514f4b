"""``/ws/``: thin — authenticate, authorise every group, forward events, replay from the outbox.

Protocol (API.md): a page is authenticated by its session cookie; any other client sends
``{"type": "auth", "token": "<key>"}`` first (never in the URL). Then ``follow``/``unfollow``
a project and ``resume`` after the last event id it saw. The server sends events
``{type, id, at, data}``, ``{"type": "heartbeat", "latest": id}`` every ~25 s, and
``{"type": "resync"}`` when a gap cannot be replayed (re-read through the API).
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts.tokens import user_for_token
from realtime import security, selectors

logger = logging.getLogger(__name__)
CLOSE_UNAUTHENTICATED = 4401
AUTH_TIMEOUT_SECONDS = 10


class LiveConsumer(AsyncJsonWebsocketConsumer):
    user = None
    joined: set

    async def connect(self):
        self.joined = set()
        self._tasks = []
        await self.accept()
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            await self._start(user)
        else:
            self._tasks.append(asyncio.ensure_future(self._auth_deadline()))

    async def _auth_deadline(self):
        await asyncio.sleep(AUTH_TIMEOUT_SECONDS)
        if self.user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _start(self, user):
        self.user = user
        for group in await database_sync_to_async(security.home_groups)(user):
            await self._join(group)
        latest = await database_sync_to_async(selectors.latest_event_id)(sorted(self.joined))
        await self.send_json({"type": "ready", "user": user.pk, "latest": latest})
        self._tasks.append(asyncio.ensure_future(self._heartbeats()))

    async def _join(self, group: str):
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def _heartbeats(self):
        interval = getattr(settings, "HOMESLOT_HEARTBEAT_SECONDS", 25)
        while True:
            await asyncio.sleep(interval)
            for group in list(self.joined):  # refresh membership (groups expire members that vanished)
                await self.channel_layer.group_add(group, self.channel_name)
            latest = await database_sync_to_async(selectors.latest_event_id)(sorted(self.joined))
            await self.send_json({"type": "heartbeat", "latest": latest})

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if self.user is None:
            if kind == "auth" and isinstance(content.get("token"), str):
                user = await database_sync_to_async(user_for_token)(content["token"])
                if user is not None:
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
        await self._join(security.follow_group(project_id))
        await self.send_json({"type": "followed", "project": project_id})

    async def _unfollow(self, content):
        group = security.follow_group(content.get("project")) if type(content.get("project")) is int else None
        if group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.joined.discard(group)
        await self.send_json({"type": "unfollowed", "project": content.get("project")})

    async def _resume(self, content):
        after = content.get("after")
        if type(after) is not int or after < 0:
            return await self._error("invalid", "resume")
        missed = await database_sync_to_async(selectors.events_after)(sorted(self.joined), after)
        if missed is None:
            return await self.send_json({"type": "resync"})
        for message in missed:
            await self.send_json(message)
        await self.send_json({"type": "resumed", "latest": max([after, *(m["id"] for m in missed)])})

    async def _error(self, code: str, about, **details):
        await self.send_json({"type": "error", "code": code, "about": about, **details})

    async def disconnect(self, code):
        for task in getattr(self, "_tasks", []):
            task.cancel()
        for group in getattr(self, "joined", set()):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # the layer is busy or down: the membership expires on its own
                logger.warning("realtime: could not leave %s; it will expire", group, exc_info=True)

    async def dispatch(self, message):
        # Outbox messages touch no database: skip Channels' per-message thread hop to close
        # stale connections (the database calls above go through database_sync_to_async).
        if message["type"] == "outbox.text":
            return await self.outbox_text(message)
        return await super().dispatch(message)

    async def outbox_text(self, message):
        await self.send(text_data=message["text"])

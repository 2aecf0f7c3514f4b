"""The ``/ws/`` consumer: thin — authenticate, authorise each group, forward events.

The full protocol (token auth message, follow, resume, heartbeats, coalescing) is
built in the realtime issue; this is the session-authenticated core.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.selectors import company_ids_for
from realtime.groups import company_staff_group, worker_group

CLOSE_UNAUTHENTICATED = 4401


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.groups_joined = await database_sync_to_async(self._groups_for)(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    @staticmethod
    def _groups_for(user) -> list[str]:
        groups = [worker_group(user.pk)]
        groups += [company_staff_group(cid) for cid in company_ids_for(user)]
        return groups

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def outbox_event(self, message):
        await self.send_json(message["event"])

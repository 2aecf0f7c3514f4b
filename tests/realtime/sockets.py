"""WebSocket clients for consumer tests: the ASGI application in-process, on the in-memory layer.
Every event they receive (alone or in a batch) is checked against its type's schema."""

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tests.conftest import api_for
from tests.factories import api_token_for
from tests.realtime.event_checks import check_frame


def run(scenario):
    return async_to_sync(scenario)()


class CheckedCommunicator(WebsocketCommunicator):
    """A test socket that checks each event it hears (``tests/realtime/event_checks.py``)."""

    async def receive_json_from(self, timeout=1):
        frame = await super().receive_json_from(timeout)
        check_frame(frame)
        return frame


def socket(*, origin: bytes | None = None, cookie: str | None = None) -> CheckedCommunicator:
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    return CheckedCommunicator(application, "/ws/", headers=headers)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def signed_in(user, key: str | None = None) -> CheckedCommunicator:
    """A socket authenticated with ``key`` (a new token of ``user`` when None)."""
    key = key or await sync_to_async(api_token_for)(user)
    ws = socket()
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "auth", "token": key})
    ready = await ws.receive_json_from(timeout=5)
    assert ready["type"] == "ready" and ready["user"] == user.pk
    return ws


def batch(*events) -> dict:
    return {"type": "batch", "latest": events[-1]["id"], "events": list(events)}


def claim_through_api(user, project, slot, capture):
    with capture(execute=True):
        return api_for(user).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json")

"""At most HOMESLOT_SOCKETS_PER_USER (10) open sockets per user; the next is told why and closed with
4429. On the Redis run the places are kept in Redis (shared by server processes, see
test_live_sockets.py), on the embedded defaults in-process; ``local`` forces the in-process keeping."""

import datetime

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.utils import timezone

from realtime import consumers, socket_cap
from tests.realtime.sockets import run, session_cookie, signed_in, socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


@pytest.fixture(params=["configured", "local"])
def keeping(request, settings):
    """Where places are kept: as configured (Redis on the PostgreSQL + Redis run), or in-process."""
    if request.param == "local":
        settings.REDIS_URL = ""
    settings.HOMESLOT_REDIS_PREFIX = f"test-cap-{request.node.name}"
    return request.param


async def refused(ws) -> dict:
    answer = await ws.receive_json_from(timeout=5)
    closed = await ws.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": consumers.CLOSE_TOO_MANY_SOCKETS}
    return answer


def test_the_eleventh_socket_of_one_user_is_told_and_closed(keeping, mother, other_mother):
    async def scenario():
        # given ten open sockets of hers
        mine = [await signed_in(mother) for _ in range(10)]

        # when she opens an eleventh
        ws = socket()
        await ws.connect()
        await ws.send_json_to({"type": "auth", "token": await _token(mother)})

        # then it is refused with a message, and someone else's socket is not
        assert await refused(ws) == {
            "type": "error",
            "code": "too_many_sockets",
            "message": "您打开的实时连接太多了。请关掉另一台设备上的页面或应用，再试一次。",
            "limit": 10,
        }
        theirs = await signed_in(other_mother)
        # and closing one of hers frees a place
        await mine[0].disconnect()
        again = await signed_in(mother)
        for open_socket in [*mine[1:], theirs, again]:
            await open_socket.disconnect()

    run(scenario)


def test_page_sockets_count_too_and_the_message_follows_her_language(keeping, settings, mother):
    settings.HOMESLOT_SOCKETS_PER_USER = 2
    cookie = session_cookie(mother)

    async def scenario():
        pages = []
        for _ in range(2):
            ws = socket(origin=b"http://testserver", cookie=cookie)
            await ws.connect()
            assert (await ws.receive_json_from(timeout=5))["type"] == "ready"
            pages.append(ws)

        third = socket(origin=b"http://testserver", cookie=cookie + "; django_language=en")
        await third.connect()

        answer = await refused(third)
        assert answer["limit"] == 2
        assert answer["message"] == (
            "You have too many live connections open. Close a page or the app on another device, then try again."
        )
        for ws in pages:
            await ws.disconnect()

    run(scenario)


def test_places_held_by_a_server_that_died_lapse(keeping, settings, mother):
    settings.HOMESLOT_SOCKETS_PER_USER = 2
    start = timezone.now()

    async def scenario():
        with time_machine.travel(start, tick=True) as clock:
            # given both places taken by sockets of a process that died without closing them
            for ghost in ("ghost-1", "ghost-2"):
                assert await socket_cap.places().take(mother.pk, ghost, 2)
            ws = socket()
            await ws.connect()
            await ws.send_json_to({"type": "auth", "token": await _token(mother)})
            assert (await refused(ws))["code"] == "too_many_sockets"

            # when no heartbeat keeps them for three heartbeats (at least 5 s)
            clock.shift(datetime.timedelta(seconds=socket_cap._lapse_seconds() + 1))

            # then she connects again
            back = await signed_in(mother)
            await back.disconnect()

    run(scenario)


def test_heartbeats_keep_the_places_of_open_sockets(keeping, settings, mother):
    settings.HOMESLOT_SOCKETS_PER_USER = 2
    settings.HOMESLOT_HEARTBEAT_SECONDS = 0.2
    lapse = socket_cap._lapse_seconds()
    start = timezone.now()

    async def scenario():
        with time_machine.travel(start, tick=True) as clock:
            mine = [await signed_in(mother), await signed_in(mother)]
            # later, but before the places lapse, each socket hears a heartbeat (which keeps its place)
            clock.shift(datetime.timedelta(seconds=lapse - 1))
            for ws in mine:
                while (await ws.receive_json_from(timeout=5))["type"] != "heartbeat":
                    pass
                while (await ws.receive_json_from(timeout=5))["type"] != "heartbeat":  # one after the shift
                    pass
            # past when the first places would have lapsed: still both held
            clock.shift(datetime.timedelta(seconds=2))
            ws = socket()
            await ws.connect()
            await ws.send_json_to({"type": "auth", "token": await _token(mother)})
            assert (await refused(ws))["code"] == "too_many_sockets"
            for open_socket in mine:
                await open_socket.disconnect()

    run(scenario)


async def _token(user) -> str:
    from tests.factories import api_token_for

    return await sync_to_async(api_token_for)(user)

"""What a client can send on /ws/, however wrong, is answered with an error or a 44xx close — never a
1011 (the consumer raising) and never a traceback in the log."""

import logging

import pytest

from realtime import consumers
from tests import factories
from tests.realtime.sockets import run, signed_in, socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]

DEEP = "[" * 30_000 + "]" * 30_000  # under the 64 KB a message may have
TOO_BIG = 2**64


async def send_frame(ws, *, text_data=None, bytes_data=None) -> None:
    """Any frame, empty ones included (the communicator's ``send_to`` refuses those)."""
    await ws.send_input({"type": "websocket.receive", "text": text_data, "bytes": bytes_data})


@pytest.fixture(autouse=True)
def _no_tracebacks(caplog):
    caplog.set_level(logging.WARNING)
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"text_data": "{not json"}, "invalid_json"),
        ({"text_data": ""}, "invalid_json"),
        ({"text_data": DEEP}, "invalid_json"),
        ({"text_data": '{"type": "follow", "project": NaN}'}, "invalid_json"),
        ({"bytes_data": b'{"type": "follow", "project": 1}'}, "unsupported_frame"),
        ({"bytes_data": b""}, "unsupported_frame"),
    ],
    ids=["syntax", "empty", "30000-deep", "NaN", "binary", "empty-binary"],
)
def test_a_frame_that_is_not_json_text_is_answered_and_the_socket_goes_on(mother, supervisor, company, frame, code):
    project = factories.project(supervisor, company, tasks=1)

    async def scenario():
        # given a signed-in socket
        ws = await signed_in(mother)

        # when it sends a frame that is not a JSON text
        await send_frame(ws, **frame)

        # then it is told what was wrong, and the socket still works
        assert await ws.receive_json_from(timeout=5) == {"type": "error", "code": code}
        await ws.send_json_to({"type": "follow", "project": project.pk})
        assert await ws.receive_json_from(timeout=5) == {"type": "followed", "project": project.pk}
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "frame",
    [{"text_data": "{not json"}, {"text_data": DEEP}, {"bytes_data": b"\x00\x01"}],
    ids=["syntax", "30000-deep", "binary"],
)
def test_before_auth_a_bad_frame_closes_the_socket_as_unauthenticated(db, frame):
    async def scenario():
        ws = socket()
        await ws.connect()

        await send_frame(ws, **frame)

        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_UNAUTHENTICATED}

    run(scenario)


def test_a_message_over_64_kb_closes_the_socket_with_4413(mother):
    async def scenario():
        ws = await signed_in(mother)

        await ws.send_to(text_data='{"type": "follow", "project": 1, "pad": "' + "x" * 65_536 + '"}')

        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4413, "reason": "message too large"}

    run(scenario)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "follow", "project": TOO_BIG},
        {"type": "follow", "project": -TOO_BIG},
        {"type": "follow", "project": 0},
        {"type": "resume", "after": TOO_BIG},
        {"type": "resume", "after": 1.5},
        {"type": "unfollow", "project": TOO_BIG},
        {"type": 7},
        {"type": ["follow"]},
        {"type": {"a": 1}},
        [],
        "follow",
    ],
)
def test_ids_no_database_can_hold_and_odd_shapes_are_an_error_not_a_crash(mother, message):
    async def scenario():
        ws = await signed_in(mother)

        await ws.send_json_to(message)

        answer = await ws.receive_json_from(timeout=5)
        assert answer["type"] == "error"
        await ws.send_json_to({"type": "resume", "after": 0})
        assert (await ws.receive_json_from(timeout=5))["type"] == "resumed"
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("token", ["\x00", "a\x00b", "x" * 65, "", 12])
def test_a_token_no_key_can_be_is_refused_like_a_wrong_one(db, token):
    async def scenario():
        ws = socket()
        await ws.connect()

        await ws.send_json_to({"type": "auth", "token": token})

        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_UNAUTHENTICATED}

    run(scenario)

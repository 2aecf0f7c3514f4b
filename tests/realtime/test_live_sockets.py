"""Sockets against real servers, started the way ``make run`` starts them (``python -m config.server``):
what frees a half-open connection, the cap on sockets per user across two processes, and frames a
client gets wrong answered without a 1011 or a traceback. PostgreSQL (the servers share the test
database); the cap across processes needs Redis too."""

import asyncio
import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
import websockets

from tests import factories
from tests.realtime.test_live_servers import REPO, database_url, free_port, wait_for_port

pytestmark = pytest.mark.django_db(transaction=True)
HEAD_SECONDS = 2


@contextlib.contextmanager
def servers(count: int, tmp_path, *, redis_url: str = ""):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "HOMESLOT_REDIS_PREFIX": f"sock{uuid.uuid4().hex[:8]}",
        "DJANGO_SECRET_KEY": "live-sockets-test-key",
        "HOMESLOT_VAR_DIR": str(tmp_path),
        "HOMESLOT_REQUEST_HEAD_SECONDS": str(HEAD_SECONDS),
        "HOMESLOT_SOCKETS_PER_USER": "3",
        "PYTHONUNBUFFERED": "1",
    }
    ports, procs, logs = [free_port() for _ in range(count)], [], []
    try:
        for port in ports:
            logs.append(tmp_path / f"server-{port}.log")
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "config.server",
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "config.asgi:application",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=open(logs[-1], "wb"),  # noqa: SIM115 - closed with the process
                    stderr=subprocess.STDOUT,
                )
            )
        for port in ports:
            wait_for_port(port)
        yield ports, logs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def closed_by_server(conn: socket.socket, *, within: float, keep_sending: bytes = b"") -> bytes | None:
    """What the server sent before closing the connection; None if it is still open after ``within``
    seconds. ``keep_sending`` is trickled once a second meanwhile (a slow client)."""
    received, end, next_send = b"", time.monotonic() + within, time.monotonic()
    conn.settimeout(0.2)
    while time.monotonic() < end:
        if keep_sending and time.monotonic() >= next_send:
            with contextlib.suppress(OSError):
                conn.sendall(keep_sending)
            next_send += 1
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    return None


UPGRADE = (
    "GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n"
)


def test_a_request_head_trickled_a_byte_at_a_time_is_cut_off(on_postgres, tmp_path):
    with servers(1, tmp_path) as ((port,), _logs):
        # given a client that sends a WebSocket upgrade's first lines, then a header byte every second
        conn = socket.create_connection(("127.0.0.1", port))
        conn.sendall(UPGRADE.format(key=base64.b64encode(os.urandom(16)).decode()).encode())

        # then the server drops it once the head is overdue (Twisted alone waited for 60 s of silence)
        assert closed_by_server(conn, within=HEAD_SECONDS + 10, keep_sending=b"X") == b""
        conn.close()


def test_a_slow_body_is_not_cut_off(on_postgres, tmp_path):
    body = b'{"phone": "13800000000", "password": "not-the-password"}'
    with servers(1, tmp_path) as ((port,), _logs):
        conn = socket.create_connection(("127.0.0.1", port))
        head = (
            f"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(head.encode())
        for start in range(0, len(body), 10):  # the body arrives over several seconds, well past the deadline
            time.sleep(HEAD_SECONDS / 3)
            conn.sendall(body[start : start + 10])

        answer = closed_by_server(conn, within=10)

        assert answer is not None and answer.startswith(b"HTTP/1.1 400")
        conn.close()


def test_an_upgraded_socket_that_never_authenticates_nor_answers_is_freed(on_postgres, tmp_path):
    with servers(1, tmp_path) as ((port,), _logs):
        conn = socket.create_connection(("127.0.0.1", port))
        conn.sendall((UPGRADE.format(key=base64.b64encode(os.urandom(16)).decode()) + "\r\n").encode())

        # then after the 10 s auth deadline: a close frame 4401 (0x1131), never answered, and the
        # connection is dropped
        received = closed_by_server(conn, within=25)

        assert received is not None
        assert received.startswith(b"HTTP/1.1 101 Switching Protocols")
        assert received.endswith(b"\x88\x02\x11\x31")
        conn.close()


def test_the_cap_on_sockets_per_user_holds_across_server_processes(on_postgres, tmp_path):
    redis_url = os.environ.get("REDIS_URL") or pytest.skip("needs REDIS_URL")
    mother = factories.mother()
    key = factories.api_token_for(mother)

    async def open_socket(port) -> tuple[object, dict]:
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/", open_timeout=10)
        await ws.send(json.dumps({"type": "auth", "token": key}))
        return ws, json.loads(await asyncio.wait_for(ws.recv(), 10))

    async def scenario(port_a, port_b):
        # given three sockets of hers (the cap in these servers), two on one server, one on the other
        held = [await open_socket(port) for port in (port_a, port_a, port_b)]
        assert [answer["type"] for _ws, answer in held] == ["ready"] * 3

        # when she opens a fourth on either server
        fourth, answer = await open_socket(port_b)
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(fourth.recv(), 10)

        # then it is told and closed with 4429; closing one of the three frees a place on the other server
        assert (answer["code"], answer["limit"]) == ("too_many_sockets", 3)
        assert fourth.close_code == 4429
        await held[0][0].close()
        await asyncio.sleep(0.5)
        again, answer = await open_socket(port_b)
        assert answer["type"] == "ready"
        for ws in [again, *(ws for ws, _ in held[1:])]:
            await ws.close()

    with servers(2, tmp_path, redis_url=redis_url) as ((port_a, port_b), _logs):
        asyncio.run(scenario(port_a, port_b))


def test_frames_a_client_gets_wrong_never_close_with_1011_nor_log_a_traceback(on_postgres, tmp_path):
    mother = factories.mother()
    key = factories.api_token_for(mother)

    async def scenario(port):
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/", open_timeout=10, max_size=None)
        await ws.send(json.dumps({"type": "auth", "token": key}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
        answers = []
        for frame in ("{not json", b"\x00binary", "[" * 30_000 + "]" * 30_000, json.dumps({"type": ["x"]})):
            await ws.send(frame)
            answers.append(json.loads(await asyncio.wait_for(ws.recv(), 10))["code"])
        await ws.send('{"pad": "' + "x" * 200_000 + '"}')  # over 64 KB
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return answers, ws.close_code

    with servers(1, tmp_path) as ((port,), (log,)):
        answers, close_code = asyncio.run(scenario(port))
        time.sleep(0.5)

    assert answers == ["invalid_json", "unsupported_frame", "invalid_json", "unknown_message"]
    assert close_code == 4413
    assert "Traceback" not in log.read_text()

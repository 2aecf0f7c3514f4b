"""Real daphne processes, real Redis, a real WebSocket client (the ``websockets`` package).

PostgreSQL only: the servers are separate processes that must share the test database.
"""

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import websockets
from django.db import connection

from realtime.models import OutboxEvent
from tasks.models import Claim
from tests import factories
from tests.realtime.event_checks import check_frame

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def daphne_servers(count: int, redis_url: str, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "HOMESLOT_REDIS_PREFIX": f"e2e{uuid.uuid4().hex[:8]}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "e2e-test-key",
        "HOMESLOT_VAR_DIR": str(tmp_path),
        "HOMESLOT_HEARTBEAT_SECONDS": "2",
    }
    ports, procs = [free_port() for _ in range(count)], []
    try:
        for port in ports:
            log = open(tmp_path / f"daphne-{port}.log", "wb")  # noqa: SIM115 - closed with the process
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in ports:
            wait_for_port(port)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def private_redis(tmp_path, port: int | None = None):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = port or free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def claim_over_http(port: int, token: str, project_id: int, slot_id: int) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/projects/{project_id}/claim-next",
        data=json.dumps({"slot": slot_id}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Follower:
    """A client that keeps the last event id it saw and every claim it heard of. With
    ``heartbeat_resume`` it resumes when a heartbeat shows a newer id than its own (as the pages
    do); without, whatever it hears comes from the server unasked."""

    def __init__(self, port: int, token: str, project_id: int, *, heartbeat_resume: bool = True):
        self.port, self.token, self.project_id = port, token, project_id
        self.heartbeat_resume = heartbeat_resume
        self.last_id = 0
        self.seen: set[int] = set()
        self.claims: list[int] = []
        self.ws = None
        self.behind = False
        self.resumes = 0

    async def connect(self, *, resume: bool = False) -> None:
        self.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/ws/", open_timeout=10)
        await self.ws.send(json.dumps({"type": "auth", "token": self.token}))
        ready = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert ready["type"] == "ready"
        if not resume:  # a new client starts where the outbox is now
            self.last_id = ready["latest"]
        await self.ws.send(json.dumps({"type": "follow", "project": self.project_id}))
        assert json.loads(await asyncio.wait_for(self.ws.recv(), 10))["type"] == "followed"
        if resume:
            await self.ws.send(json.dumps({"type": "resume", "after": self.last_id}))
            while True:
                message = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
                if message["type"] in ("resumed", "resync"):
                    assert message["type"] == "resumed"
                    break
                self._take(message)

    def _take(self, message: dict) -> None:
        check_frame(message)  # every event it hears has its type's schema
        if message["type"] == "heartbeat":
            self.behind = self.heartbeat_resume and message["latest"] > self.last_id
            return
        if message["type"] == "resumed":
            return
        events = message["events"] if message["type"] == "batch" else [message]
        for event in events:
            if event["id"] in self.seen:
                continue  # a resume replays a little overlap: drop what we have
            self.seen.add(event["id"])
            self.last_id = max(self.last_id, event["id"])
            if event["type"] == "task.claimed":
                self.claims.append(event["data"]["claim"])

    async def listen(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        with contextlib.suppress(asyncio.TimeoutError, websockets.ConnectionClosed):
            while (left := end - time.monotonic()) > 0:
                self._take(json.loads(await asyncio.wait_for(self.ws.recv(), left)))
                if self.behind:  # a heartbeat says we missed something: replay it on this socket
                    self.behind = False
                    self.resumes += 1
                    await self.ws.send(json.dumps({"type": "resume", "after": self.last_id}))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()


@pytest.fixture
def claimable(on_postgres, supervisor, company):
    project = factories.project(supervisor, company, tasks=12, claim_limit=12)
    slot = factories.slot(supervisor, project, capacity=100)
    watcher, claimer = factories.mother(), factories.mother()
    tokens = {user: factories.api_token_for(user) for user in (watcher, claimer)}
    return project, slot, tokens[watcher], tokens[claimer]


def test_a_claim_through_server_b_reaches_a_follower_on_server_a(claimable, tmp_path):
    project, slot, watcher_token, claimer_token = claimable
    redis_url = os.environ.get("REDIS_URL") or pytest.skip("needs REDIS_URL")

    async def scenario(port_a, port_b):
        follower = Follower(port_a, watcher_token, project.pk)
        await follower.connect()
        status, body = await asyncio.to_thread(claim_over_http, port_b, claimer_token, project.pk, slot.pk)
        assert status == 201, body
        await follower.listen(3)
        await follower.close()
        return body["id"], follower.claims

    with daphne_servers(2, redis_url, tmp_path) as (port_a, port_b):
        claim_id, heard = asyncio.run(scenario(port_a, port_b))

    assert heard == [claim_id]


def test_an_idle_socket_stays_open_and_still_hears(claimable, tmp_path):
    project, slot, watcher_token, claimer_token = claimable
    redis_url = os.environ.get("REDIS_URL") or pytest.skip("needs REDIS_URL")

    async def scenario(port):
        follower = Follower(port, watcher_token, project.pk)
        await follower.connect()
        await asyncio.sleep(26)  # longer than the channel layer's blocking pops and their retries
        status, body = await asyncio.to_thread(claim_over_http, port, claimer_token, project.pk, slot.pk)
        assert status == 201, body
        await follower.listen(3)
        await follower.close()
        return body["id"], follower.claims

    with daphne_servers(1, redis_url, tmp_path) as (port,):
        claim_id, heard = asyncio.run(scenario(port))

    assert heard == [claim_id]


def test_redis_restart_loses_nothing_a_client_cannot_recover(claimable, tmp_path):
    project, slot, watcher_token, claimer_token = claimable

    async def scenario(redis_port, redis_proc, port_a, port_b):
        follower = Follower(port_a, watcher_token, project.pk)  # reconnects after the outage
        stayer = Follower(port_a, watcher_token, project.pk)  # keeps its socket open throughout
        await follower.connect()
        await stayer.connect()
        for _ in range(3):
            assert (await asyncio.to_thread(claim_over_http, port_b, claimer_token, project.pk, slot.pk))[0] == 201
        await asyncio.gather(follower.listen(2), stayer.listen(2))
        assert len(follower.claims) == len(stayer.claims) == 3

        redis_proc.terminate()  # Redis goes away; work goes on
        redis_proc.wait(timeout=10)
        for _ in range(4):
            status, body = await asyncio.to_thread(claim_over_http, port_b, claimer_token, project.pk, slot.pk)
            assert status == 201, body
        await asyncio.gather(follower.listen(1), stayer.listen(1))
        await follower.close()

        with private_redis(tmp_path, port=redis_port):  # Redis is back (empty)
            await stayer.listen(4)  # the hub re-joins; a heartbeat shows the gap; the stayer resumes
            assert stayer.resumes >= 1 and len(stayer.claims) == 7
            for _ in range(2):
                assert (await asyncio.to_thread(claim_over_http, port_b, claimer_token, project.pk, slot.pk))[0] == 201
            follower.port = port_a
            await follower.connect(resume=True)
            await asyncio.gather(follower.listen(2), stayer.listen(2))
            await follower.close()
            await stayer.close()
        return follower.claims, stayer.claims

    with (
        private_redis(tmp_path) as (redis_port, redis_proc),
        daphne_servers(2, f"redis://127.0.0.1:{redis_port}/0", tmp_path) as (port_a, port_b),
    ):
        heard_by = asyncio.run(scenario(redis_port, redis_proc, port_a, port_b))

    in_database = list(Claim.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    assert len(in_database) == 9
    for heard in heard_by:
        assert sorted(heard) == in_database  # nothing missing
        assert len(heard) == len(set(heard))  # nothing twice
    assert OutboxEvent.objects.filter(group=f"project.{project.pk}", type="task.claimed").count() == 9


def sign_out_over_http(port: int, token: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/sign-out", headers={"Authorization": f"Token {token}"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status


def test_a_sign_out_through_one_server_closes_her_socket_on_another(claimable, tmp_path):
    _project, _slot, watcher_token, claimer_token = claimable
    redis_url = os.environ.get("REDIS_URL") or pytest.skip("needs REDIS_URL")

    async def scenario(port_a, port_b):
        sockets = {}
        for name, token in (("hers", watcher_token), ("someone else's", claimer_token)):
            ws = await websockets.connect(f"ws://127.0.0.1:{port_a}/ws/", open_timeout=10)
            await ws.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
            sockets[name] = ws

        assert await asyncio.to_thread(sign_out_over_http, port_b, watcher_token) == 204

        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:  # heartbeats come every 2 s meanwhile; the close within a few seconds
                await asyncio.wait_for(sockets["hers"].recv(), 15)
        others = sockets["someone else's"]
        assert json.loads(await asyncio.wait_for(others.recv(), 15))["type"] == "heartbeat"  # still open
        await others.close()
        return closed.value.rcvd.code

    with daphne_servers(2, redis_url, tmp_path) as (port_a, port_b):
        code = asyncio.run(scenario(port_a, port_b))

    assert code == 4401


def test_sockets_close_on_sign_out_while_redis_is_down(claimable, tmp_path):
    _project, _slot, watcher_token, _claimer_token = claimable

    async def scenario(redis_proc, port_a, port_b):
        ws = await websockets.connect(f"ws://127.0.0.1:{port_a}/ws/", open_timeout=10)
        await ws.send(json.dumps({"type": "auth", "token": watcher_token}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
        redis_proc.terminate()  # the channel layer is gone; the access changes travel through the database
        redis_proc.wait(timeout=10)

        assert await asyncio.to_thread(sign_out_over_http, port_b, watcher_token) == 204

        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 15)
        return closed.value.rcvd.code

    with (
        private_redis(tmp_path) as (redis_port, redis_proc),
        daphne_servers(2, f"redis://127.0.0.1:{redis_port}/0", tmp_path) as (port_a, port_b),
    ):
        code = asyncio.run(scenario(redis_proc, port_a, port_b))

    assert code == 4401


def test_events_lost_while_redis_is_down_under_load_reach_every_socket(on_postgres, supervisor, company, tmp_path):
    """The probe's run: Redis killed for 8 s while mothers claim at ~18/s through two servers.
    Sockets that stay open (on either server) hear every claim without asking; one that drops
    with Redis reconnects and resumes. Nothing missing, nothing twice."""
    project = factories.project(supervisor, company, tasks=400, units_per_task=1, claim_limit=400)
    slot = factories.slot(supervisor, project, capacity=1000)
    watcher = factories.mother()
    claimers = [factories.mother() for _ in range(4)]
    watcher_token = factories.api_token_for(watcher)
    tokens = [factories.api_token_for(m) for m in claimers]
    rate, before, outage, after = 18, 6.0, 8.0, 6.0

    async def load(ports, seconds, statuses, turn):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.monotonic()
            n = next(turn)
            status, _body = await asyncio.to_thread(
                claim_over_http, ports[n % 2], tokens[n % len(tokens)], project.pk, slot.pk
            )
            statuses.append(status)
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))

    async def scenario(redis_port, redis_proc, port_a, port_b):
        import itertools

        turn, statuses = itertools.count(), []
        stay_a = Follower(port_a, watcher_token, project.pk, heartbeat_resume=False)
        stay_b = Follower(port_b, watcher_token, project.pk, heartbeat_resume=False)
        drops = Follower(port_a, watcher_token, project.pk)
        for follower in (stay_a, stay_b, drops):
            await follower.connect()
        listeners = [asyncio.ensure_future(f.listen(before + outage + after + 30)) for f in (stay_a, stay_b)]
        dropper = asyncio.ensure_future(drops.listen(before))
        await load((port_a, port_b), before, statuses, turn)
        await dropper
        await drops.close()
        redis_proc.terminate()  # Redis goes away mid-stream; the claims go on
        redis_proc.wait(timeout=10)
        await load((port_a, port_b), outage, statuses, turn)
        with private_redis(tmp_path, port=redis_port):  # back, empty
            await load((port_a, port_b), after, statuses, turn)
            await drops.connect(resume=True)
            await drops.listen(12)
            await asyncio.sleep(0)
            for task in listeners:
                task.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
            await asyncio.gather(stay_a.close(), stay_b.close(), drops.close())
        return statuses, {"stay_a": stay_a, "stay_b": stay_b, "drops": drops}

    with (
        private_redis(tmp_path) as (redis_port, redis_proc),
        daphne_servers(2, f"redis://127.0.0.1:{redis_port}/0", tmp_path) as (port_a, port_b),
    ):
        statuses, followers = asyncio.run(scenario(redis_port, redis_proc, port_a, port_b))

    assert set(statuses) == {201}, statuses  # Redis being down never failed a claim
    in_database = sorted(Claim.objects.filter(project=project).values_list("id", flat=True))
    assert len(in_database) == len(statuses) > 250
    for name, follower in followers.items():
        assert sorted(follower.claims) == in_database, name  # every claim reached every socket
        assert len(follower.claims) == len(set(follower.claims)), name  # once each
    assert followers["stay_a"].resumes == followers["stay_b"].resumes == 0  # the servers repaired it

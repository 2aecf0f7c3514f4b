"""The clients of the fault suite: mothers who claim and hand in, supervisors who review, and
followers on sockets — each behaving as a careful phone does: a write that got no answer is sent
again with the same ``Idempotency-Key`` (to whichever server answers), a dropped socket
reconnects and resumes."""

import asyncio
import contextlib
import http.client
import itertools
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import websockets

RETRYABLE = {502, 503, 504}


@dataclass
class Tally:
    """Everything the clients saw, for the test's assertions."""

    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    claims: dict = field(default_factory=dict)  # claim id → mother's phone
    submissions: dict = field(default_factory=dict)  # claim id → submission id
    reviewed: set = field(default_factory=set)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int, what: str, body) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500 and status not in RETRYABLE:
                self.server_errors.append((status, what, body))


class Api:
    """HTTP to any of the servers; a request that gets no answer goes to the next one."""

    def __init__(self, ports: list[int], tally: Tally, *, deadline: float = 90):
        self.ports, self.tally, self.deadline = ports, tally, deadline
        self._turn = itertools.count()

    def call(self, method: str, path: str, body=None, *, token=None, key=None) -> tuple[int, dict]:
        end = time.monotonic() + self.deadline
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if key:
            headers["Idempotency-Key"] = key
        while True:
            port = self.ports[next(self._turn) % len(self.ports)]
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                status, raw = response.status, response.read()
                connection.close()
            except (OSError, http.client.HTTPException):
                status, raw = None, b""
            if status is not None:
                try:
                    answer = json.loads(raw or b"{}")
                except ValueError:
                    answer = {"raw": raw[:300].decode(errors="replace")}
                self.tally.saw(status, f"{method} {path}", answer)
                if status not in RETRYABLE:
                    return status, answer
            if time.monotonic() > end:
                raise TimeoutError(f"{method} {path}: no server answered for {self.deadline} s")
            with self.tally.lock:
                self.tally.retries += 1
            time.sleep(0.2)


def sign_in(api: Api, phone: str, password: str) -> str:
    status, body = api.call("POST", "/api/v1/auth/token", {"phone": phone, "password": password})
    assert status == 200, body
    return body["token"]


def mother_works(
    api: Api, token: str, phone: str, *, project: int, slot: int, stop: threading.Event, pace: float = 0.25
) -> None:
    """Claim the next task and hand it in (one loop every ``pace`` seconds at most: a bounded
    load), until told to stop or the project has none left."""
    tally = api.tally
    while not stop.is_set():
        began = time.monotonic()
        status, claim = api.call(
            "POST", f"/api/v1/projects/{project}/claim-next", {"slot": slot}, token=token, key=uuid.uuid4().hex
        )
        if status != 201:
            if status == 409 and claim["error"]["code"] == "no_task_available":
                return
            time.sleep(0.2)  # a limit or a race: try again in a moment
            continue
        with tally.lock:
            tally.claims[claim["id"]] = phone
        status, submission = api.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/submit",
            {"completed_units": claim["task"]["units"]},
            token=token,
            key=uuid.uuid4().hex,
        )
        assert status == 201, (status, submission)
        with tally.lock:
            tally.submissions[claim["id"]] = submission["id"]
        time.sleep(max(0.0, pace - (time.monotonic() - began)))


def supervisor_reviews(api: Api, token: str, *, stop: threading.Event, done: threading.Event) -> None:
    """Accept whatever waits, until the mothers have stopped and the queue is empty."""
    while True:
        status, page = api.call("GET", "/api/v1/reviews/queue?page_size=50", token=token)
        waiting = page.get("results", []) if status == 200 else []
        for submission in waiting:
            status, _body = api.call(
                "POST", f"/api/v1/submissions/{submission['id']}/review", {"decision": "accept"}, token=token
            )
            if status in (200, 409):  # 409: the other supervisor, or a retry, decided it first
                with api.tally.lock:
                    api.tally.reviewed.add(submission["id"])
        if not waiting:
            if done.is_set():
                return
            time.sleep(0.3)


class Follower:
    """One socket following the project; on any drop it reconnects (to its server, or the other)
    and resumes after the highest id it has."""

    def __init__(self, ports: list[int], token: str, project: int):
        self.ports, self.token, self.project = ports, token, project
        self.claims: set[int] = set()
        self.seen: set[int] = set()
        self.last_id: int | None = None
        self.complete: int | None = None  # the server's word: every event up to here has reached us
        self.reconnects = 0
        self.resyncs = 0
        self.history: list = []  # (port, resumed after, ready.latest): what happened, for a failure's message

    def _take(self, message: dict) -> bool:
        """Record what a message carries; True when it asks for a resume."""
        kind = message.get("type")
        if kind == "heartbeat":
            if message.get("complete") is not None:
                self.complete = message["complete"]
            return self.last_id is not None and message["latest"] > self.last_id
        if kind == "resync":
            self.resyncs += 1
            return False
        if kind not in ("batch",) and "id" not in message:
            return False
        for event in message["events"] if kind == "batch" else [message]:
            if event["id"] in self.seen:
                continue
            self.seen.add(event["id"])
            self.last_id = max(self.last_id or 0, event["id"])
            if event["type"] == "task.claimed":
                self.claims.add(event["data"]["claim"])
        return False

    async def run(self, until: threading.Event) -> None:
        turn = 0
        while not until.is_set():
            port = self.ports[turn % len(self.ports)]
            turn += 1
            with contextlib.suppress(OSError, websockets.WebSocketException, asyncio.TimeoutError):
                async with websockets.connect(f"ws://127.0.0.1:{port}/ws/", open_timeout=5) as ws:
                    await ws.send(json.dumps({"type": "auth", "token": self.token}))
                    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if ready.get("type") != "ready":
                        continue
                    if self.last_id is None:
                        self.last_id = self.complete = ready["latest"]
                    await ws.send(json.dumps({"type": "follow", "project": self.project}))
                    # After what the server said we have everything up to: a hole it had not
                    # filled before the socket dropped is replayed; what we have we drop.
                    after = min(self.complete, self.last_id)
                    self.history.append((port, after, ready["latest"], time.time()))
                    await ws.send(json.dumps({"type": "resume", "after": after}))
                    while not until.is_set():
                        try:
                            message = json.loads(await asyncio.wait_for(ws.recv(), 1))
                        except TimeoutError:
                            continue
                        if self._take(message):
                            await ws.send(json.dumps({"type": "resume", "after": self.last_id}))
                    return
            self.reconnects += 1
            await asyncio.sleep(0.3)


def run_followers(followers: list[Follower], until: threading.Event) -> threading.Thread:
    async def all_of_them():
        await asyncio.gather(*(follower.run(until) for follower in followers))

    thread = threading.Thread(target=asyncio.run, args=(all_of_them(),), daemon=True)
    thread.start()
    return thread

"""What the loop bench's phases share: the figures of a step and of a phase, a client that keeps its
cookies and CSRF token as a browser does, and the phase harness (deadline, CPU, py-spy)."""

from __future__ import annotations

import asyncio
import collections
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from benchlib import cpu_seconds, machine_cpu, spy_start, spy_stop

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Step:
    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0  # server CPU bracketing this step's requests (kept only with one client)
    answers: collections.Counter = field(default_factory=collections.Counter)  # unexpected ones


@dataclass
class Phase:
    name: str
    clients: int
    steps: dict[str, Step] = field(default_factory=lambda: collections.defaultdict(Step))
    loops: int = 0
    ends: collections.Counter = field(default_factory=collections.Counter)
    events: collections.Counter = field(default_factory=collections.Counter)  # e.g. "taken" on the pages
    seconds: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_busy: float = 0.0
    ids: dict[str, list] = field(default_factory=lambda: collections.defaultdict(list))

    @property
    def rate(self) -> float:
        return self.loops / self.seconds if self.seconds > 0 else 0.0

    @property
    def requests(self) -> int:
        return sum(len(s.latencies) for s in self.steps.values())


class Stop(Exception):
    """A client's loop is over (the deadline, the project drained, too many errors)."""


class Browser:
    """One person's keep-alive connection: her cookies (session, csrftoken) kept and sent as a
    browser sends them, the Origin header on a POST, redirects not followed (each is a step)."""

    def __init__(self, session, base: str, phase: Phase, deadline: float, spy_cpu: list | None = None):
        self.session, self.base, self.phase, self.deadline = session, base, phase, deadline
        self.cookies: dict[str, str] = {}
        self.token: str | None = None  # API token, when set: "Authorization: Token …"
        self.csrf = ""
        self.errors = 0
        self.spy_cpu = spy_cpu  # [server pids] when each request's server CPU is bracketed (one client)

    async def call(self, step: str, method: str, path: str, *, form=None, json=None, ok=(200,)):
        if time.perf_counter() > self.deadline:
            raise Stop("deadline")
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if method == "POST" and form is not None:
            headers["Origin"] = self.base
            form = {**form, "csrfmiddlewaretoken": self.csrf}
        cpu0 = cpu_seconds(self.spy_cpu) if self.spy_cpu else 0.0
        t0 = time.perf_counter()
        async with self.session.request(
            method, self.base + path, data=form, json=json, headers=headers, allow_redirects=False
        ) as r:
            body = await r.text()
            status, location = r.status, r.headers.get("Location", "")
            for value in r.headers.getall("Set-Cookie", []):
                for name, morsel in SimpleCookie(value).items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        took = time.perf_counter() - t0
        s = self.phase.steps[step]
        if self.spy_cpu:
            s.cpu_s += cpu_seconds(self.spy_cpu) - cpu0
        s.latencies.append(took)
        if status not in ok:
            s.answers[f"{status} {body[:80]!r}"] += 1
        found = CSRF_FIELD.search(body)
        if found:
            self.csrf = found.group(1)
        return status, body, location

    def failed(self) -> None:
        self.errors += 1
        if self.errors > 20:
            raise Stop("errors")


async def run_phase(name: str, args, n: int, server_pids: list[int], one_client, spy_name: str) -> Phase:
    """``one_client(i, phase, deadline)`` for i < n at once, until each stops or ``--seconds`` pass."""
    phase = Phase(name, n)
    spy = spy_start(f"{args.py_spy}-{spy_name}-n{n}", server_pids[0], args.seconds + 5) if args.py_spy else None
    if spy is not None:
        await asyncio.sleep(1.0)
    cpu0, client0 = cpu_seconds(server_pids), time.process_time()
    total0, idle0 = machine_cpu()
    t0 = time.perf_counter()
    deadline = t0 + args.seconds

    async def guarded(i: int) -> None:
        try:
            await one_client(i, phase, deadline)
            phase.ends["done"] += 1
        except Stop as why:
            phase.ends[str(why)] += 1

    await asyncio.gather(*(guarded(i) for i in range(n)))
    phase.seconds = time.perf_counter() - t0
    total1, idle1 = machine_cpu()
    phase.server_cpu_s = cpu_seconds(server_pids) - cpu0
    phase.client_cpu_s = time.process_time() - client0
    phase.machine_busy = 1 - (idle1 - idle0) / max(1, total1 - total0)
    spy_stop(spy)
    return phase

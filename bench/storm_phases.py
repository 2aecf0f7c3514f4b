"""The claim storm's two load phases: the app (HTTP clients against the servers) and the raw
one-statement claim (psycopg), each sampling what the database sessions wait on."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from dataclasses import dataclass, field

from benchlib import cpu_seconds, machine_cpu, spy_start, spy_stop

RAW_CLAIM_SQL = (
    "UPDATE tasks_task SET status = 'claimed', claim_expires_at = %s, updated_at = now() "
    "WHERE id = (SELECT id FROM tasks_task WHERE project_id = %s "
    "AND (status = 'open' OR (status = 'claimed' AND claim_expires_at <= now())) "
    "ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id"
)


@dataclass
class PhaseResult:
    name: str
    latencies: list[float] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    ends: collections.Counter = field(default_factory=collections.Counter)  # how each client stopped
    other: collections.Counter = field(default_factory=collections.Counter)  # non-201 answers on the way
    started: float = 0.0
    finished: float = 0.0
    waits: collections.Counter = field(default_factory=collections.Counter)
    wait_samples: int = 0
    cpu: dict = field(default_factory=dict)

    @property
    def claims(self) -> int:
        return len(self.task_ids)

    @property
    def drain_s(self) -> float:
        return (max(self.done_at) if self.done_at else self.finished) - self.started

    @property
    def rate(self) -> float:
        return self.claims / self.drain_s if self.drain_s > 0 else 0.0

    def thirds(self) -> str:
        """claims/s over the first and the last third of the drain (does it slow down?)."""
        if len(self.done_at) < 30:
            return "-"
        t = sorted(self.done_at)
        n = len(t) // 3
        first = n / max(1e-9, t[n - 1] - self.started)
        last = n / max(1e-9, t[-1] - t[-n - 1])
        return f"{first:.0f} → {last:.0f}"


async def sample_activity(db_url: str, dbname: str, stop: asyncio.Event, result: PhaseResult) -> None:
    """What the bench DB's sessions are doing, every 50 ms (bounded by the phase)."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        for _ in range(100_000):
            if stop.is_set():
                break
            rows = await (
                await conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 40) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                    (dbname,),
                )
            ).fetchall()
            result.wait_samples += 1
            for state, wtype, wevent, query in rows:
                if state == "idle":
                    continue
                key = f"{state}:{wtype or 'CPU'}:{wevent or ''}"
                if wtype == "Lock":
                    key += f" [{query.strip()}]"
                result.waits[key] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)


async def app_phase(args, data: dict, ports: list[int], server_pids: list[int]) -> PhaseResult:
    import aiohttp

    res = PhaseResult("app")
    project, slot = data["app"]["project"], data["app"]["slot"]
    body = json.dumps({"slot": slot}).encode()
    deadline_box = [0.0]
    max_requests = args.tasks + 50

    async def one_client(i: int, token: str, session) -> None:
        url = f"http://127.0.0.1:{ports[i % len(ports)]}/api/v1/projects/{project}/claim-next"
        # The ASGI fast path (tasks/fastpath.py) takes only "Token <key>"; DRF's TokenAuthentication
        # matches the keyword case-insensitively, so "token <key>" measures the Django/DRF route.
        keyword = "Token" if args.route == "fast" else "token"
        headers = {"Authorization": f"{keyword} {token}", "Content-Type": "application/json"}
        errors = 0
        for _ in range(max_requests):
            if time.perf_counter() > deadline_box[0]:
                res.ends["deadline"] += 1
                return
            t0 = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as r:
                    status, payload = r.status, await r.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                res.other[f"exception {type(exc).__name__}"] += 1
                errors += 1
                if errors > 20:
                    res.ends["errors"] += 1
                    return
                continue
            t1 = time.perf_counter()
            if status == 201:
                res.latencies.append(t1 - t0)
                res.task_ids.append(json.loads(payload)["task"]["id"])
                res.done_at.append(t1)
                continue
            try:
                code = json.loads(payload)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = payload[:60].decode(errors="replace")
            if status == 409 and code == "no_task_available":
                res.ends["no_task_available"] += 1
                return
            res.other[f"{status} {code}"] += 1
            if status == 409 and code in ("claim_limit_reached", "slot_full"):
                res.ends[code] += 1
                return
            errors += 1
            if errors > 20:
                res.ends["errors"] += 1
                return
        res.ends["request cap"] += 1

    timeout = aiohttp.ClientTimeout(total=30)
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=timeout) for _ in data["tokens"]]
    try:
        # Warm-up: open every keep-alive connection and the servers' DB pools (not timed).
        async def warm(i: int, token: str, session) -> None:
            url = f"http://127.0.0.1:{ports[i % len(ports)]}/api/v1/me"
            for _ in range(2):
                async with session.get(url, headers={"Authorization": f"Token {token}"}) as r:
                    await r.read()

        await asyncio.gather(*(warm(i, t, s) for i, (t, s) in enumerate(zip(data["tokens"], sessions, strict=True))))
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_activity(args.db_url, args.db_name, stop, res))
        spy = None
        if args.py_spy:
            spy = spy_start(args.py_spy, server_pids[0], args.timeout)
            await asyncio.sleep(1.0)
        cpu0, wall0 = cpu_seconds(server_pids), time.process_time()
        mtotal0, midle0 = machine_cpu()
        res.started = time.perf_counter()
        deadline_box[0] = res.started + args.timeout
        await asyncio.gather(
            *(one_client(i, t, s) for i, (t, s) in enumerate(zip(data["tokens"], sessions, strict=True)))
        )
        res.finished = time.perf_counter()
        mtotal1, midle1 = machine_cpu()
        res.cpu = {
            "servers_s": cpu_seconds(server_pids) - cpu0,
            "client_s": time.process_time() - wall0,
            "machine_busy": 1 - (midle1 - midle0) / max(1, mtotal1 - mtotal0),
        }
        stop.set()
        await sampler
        spy_stop(spy)
        # One more claim after the drain must still say no_task_available.
        async with sessions[0].post(
            f"http://127.0.0.1:{ports[0]}/api/v1/projects/{project}/claim-next",
            data=body,
            headers={"Authorization": f"Token {data['tokens'][0]}", "Content-Type": "application/json"},
        ) as r:
            payload = await r.read()
            res.cpu["probe"] = f"{r.status} {json.loads(payload).get('error', {}).get('code', payload[:60])}"
    finally:
        for s in sessions:
            await s.close()
    return res


async def raw_phase(args, data: dict) -> PhaseResult:
    import datetime

    import psycopg

    res = PhaseResult("raw")
    project = data["raw"]["project"]
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=12)
    max_requests = args.tasks + 50
    deadline_box = [0.0]

    async def one_client(conn) -> None:
        for _ in range(max_requests):
            if time.perf_counter() > deadline_box[0]:
                res.ends["deadline"] += 1
                return
            t0 = time.perf_counter()
            row = await (await conn.execute(RAW_CLAIM_SQL, (expires, project), prepare=True)).fetchone()
            t1 = time.perf_counter()
            if row is None:
                res.ends["no row"] += 1
                return
            res.latencies.append(t1 - t0)
            res.task_ids.append(row[0])
            res.done_at.append(t1)
        res.ends["request cap"] += 1

    conns = [
        await psycopg.AsyncConnection.connect(args.db_url, autocommit=True, prepare_threshold=0)
        for _ in range(args.clients)
    ]
    try:
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_activity(args.db_url, args.db_name, stop, res))
        c0 = time.process_time()
        mtotal0, midle0 = machine_cpu()
        res.started = time.perf_counter()
        deadline_box[0] = res.started + args.timeout
        await asyncio.gather(*(one_client(c) for c in conns))
        res.finished = time.perf_counter()
        mtotal1, midle1 = machine_cpu()
        res.cpu = {
            "client_s": time.process_time() - c0,
            "machine_busy": 1 - (midle1 - midle0) / max(1, mtotal1 - mtotal0),
        }
        stop.set()
        await sampler
    finally:
        for c in conns:
            await c.close()
    return res

"""The fan-out bench's two loads: claims through the API at a fixed rate, and the baseline (its own
websockets server fed by Redis pub/sub, and a publisher), each in its own process group."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # helpers: database, env, servers, cpu, percentiles
from fanout_followers import run_phase

# The baseline's server and publisher run as ``fanout.py --internal-baseline / --internal-publish``.
ME = [benchlib.PYTHON, str(Path(__file__).resolve().with_name("fanout.py"))]


async def claims_load(args, data: dict, pids) -> tuple:
    """Open-loop claims at args.rate through the API; the outbox rows of project.P are what must arrive."""
    import aiohttp
    import psycopg

    n, base = args.rate * args.duration, f"http://127.0.0.1:{args.port}/api/v1"
    body, sent, other, lag = json.dumps({"slot": data["slot"]}).encode(), {}, collections.Counter(), [0.0]
    limits = {"timeout": aiohttp.ClientTimeout(total=30)}
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), **limits) for _ in data["claimers"]]
    spy = None
    try:
        for s, key in zip(sessions, data["claimers"], strict=True):  # open each keep-alive connection (not timed)
            async with s.get(f"{base}/me", headers={"Authorization": f"Token {key}"}) as r:
                await r.read()
        if args.py_spy:
            cmd = ["record", "--format", "raw", "--rate", "100", "--nonblocking", "-o", args.py_spy]
            cmd += ["--duration", str(int(args.duration + args.drain)), "--pid", str(pids()[0])]
            spy = subprocess.Popen(
                [str(benchlib.VENV_BIN / "py-spy"), *cmd], stdout=subprocess.DEVNULL, start_new_session=True
            )
        t0, wall0 = time.perf_counter() + 0.1, time.time() + 0.1
        stop_at = t0 + args.duration + 30

        async def claimer(c: int, token: str, session) -> None:
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            for i in range(c, n, len(sessions)):
                due = t0 + i / args.rate
                if time.perf_counter() > stop_at:
                    other["deadline"] += 1
                    return
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                lag[0] = max(lag[0], time.perf_counter() - due)
                try:
                    async with session.post(
                        f"{base}/projects/{data['project']}/claim-next", data=body, headers=headers
                    ) as r:
                        status, payload = r.status, await r.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    other[type(exc).__name__] += 1
                    continue
                if status == 201:
                    sent[json.loads(payload)["id"]] = time.time()
                else:
                    other[f"{status} {payload[:60]!r}"] += 1

        await asyncio.gather(
            *(claimer(c, *pair) for c, pair in enumerate(zip(data["claimers"], sessions, strict=True)))
        )
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)
            stop(spy)
        for s in sessions:
            await s.close()
    wall1 = max(sent.values(), default=time.time())
    with psycopg.connect(args.db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id, (data->>'claim')::bigint FROM realtime_outboxevent WHERE \"group\" = %s AND type = %s",
            (f"project.{data['project']}", "task.claimed"),
        ).fetchall()
    extra = {"expected": {r[0] for r in rows}, "claims": len(sent), "outbox": len(rows), "max_lag": lag[0]}
    extra |= {"rate": len(sent) / max(1e-9, wall1 - wall0), "errors": dict(other)}
    extra["claims_without_event"] = len(set(sent) - {r[1] for r in rows})
    return sent, wall0, wall1, extra


async def baseline_server(port: int, redis_url: str, channel: str, lifetime: float) -> None:
    """Redis pub/sub → websockets.broadcast to every connected socket (its own process)."""
    import redis.asyncio as aioredis
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    async def handler(ws):
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    pubsub = aioredis.from_url(redis_url).pubsub()
    await pubsub.subscribe(channel)
    async with serve(handler, "127.0.0.1", port, ping_interval=None, max_size=2**20):
        print("READY", flush=True)
        deadline = time.monotonic() + lifetime
        for _ in range(10_000_000):
            if time.monotonic() > deadline:
                break
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if msg is not None:
                broadcast(clients, msg["data"].decode())


async def baseline_publish(redis_url: str, channel: str, n: int, rate: float, window: float) -> None:
    """The baseline's publisher (own process): n events at `rate`/s, one message each or batched per `window` s."""
    import redis.asyncio as aioredis

    r, pending = aioredis.from_url(redis_url), []
    t0, lag, wall0 = time.perf_counter() + 0.1, 0.0, time.time() + 0.1
    flushed = t0
    for i in range(n):
        due = t0 + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        lag = max(lag, time.perf_counter() - due)
        event = {"type": "task.claimed", "id": i + 1, "at": time.time(), "data": {"project": 0, "claim": i + 1}}
        if not window:
            await r.publish(channel, json.dumps(event))
            continue
        pending.append(event)
        if time.perf_counter() - flushed >= window or i == n - 1:
            await r.publish(channel, json.dumps({"type": "batch", "latest": event["id"], "events": pending}))
            pending, flushed = [], time.perf_counter()
    print(json.dumps({"wall0": wall0, "wall1": time.time(), "lag": lag}), flush=True)
    await r.aclose()


async def baseline_phase(args, logdir: Path, window: float) -> dict:
    n, channel, port = args.rate * args.duration, f"fanout-baseline-{secrets.token_hex(4)}", args.port + 1
    if not benchlib.port_free(port):
        raise SystemExit(f"port {port} on 127.0.0.1 is in use; pick another --port")
    log = open(logdir / "baseline.log", "ab")  # noqa: SIM115 - closed with the process
    spawn = {"stdout": subprocess.PIPE, "stderr": log, "start_new_session": True}
    server = subprocess.Popen([*ME, "--internal-baseline", json.dumps([port, args.redis_url, channel, 900])], **spawn)
    procs = [server]

    async def load():
        pub = subprocess.Popen(
            [*ME, "--internal-publish", json.dumps([args.redis_url, channel, n, args.rate, window])], **spawn
        )
        procs.append(pub)
        out = await asyncio.wait_for(asyncio.to_thread(pub.communicate), args.duration * 5 + 60)
        done = json.loads(out[0].decode().strip().splitlines()[-1])
        extra = {"expected": set(range(1, n + 1)), "claims": n, "outbox": n, "max_lag": done["lag"]}
        extra["rate"] = n / max(1e-9, done["wall1"] - done["wall0"])
        return None, done["wall0"], done["wall1"], extra

    try:
        line = await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), 60)
        if not line.startswith(b"READY"):
            raise RuntimeError(f"baseline server did not start; see {logdir}")
        name, url = f"base {window * 1000:.0f}ms" if window else "baseline", f"ws://127.0.0.1:{port}/"
        pids = lambda: benchlib.proc_tree(server.pid)  # noqa: E731
        return await run_phase(name, args, url, [None] * args.followers, None, pids, load)
    finally:
        for p in procs:
            stop(p)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

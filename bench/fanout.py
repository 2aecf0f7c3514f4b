"""Fan-out: K followers of one project over /ws/ while claims arrive at R/s, against a plain baseline.

What it does, in one run:

1. makes (if missing) and migrates the bench database (``--db-url``, default the one
   ``bench/claim_storm.py`` uses), then in a ``django.setup()`` subprocess builds, through the
   project's services, a published assembly project of ``rate × duration`` (+10 %) one-unit
   tasks (one slot of capacity 100,000), ``--claimers`` claimer mothers (claim_limit 720) and
   ``--followers`` follower mothers, each with a DRF token;
2. app phase: starts one ``daphne`` on 127.0.0.1:``--port`` (DJANGO_DEBUG=0, real
   channels_redis layer on ``--redis-url``); K websockets connect to ``/ws/``, send
   ``{"type":"auth","token":…}``, wait for ``ready``, send ``{"type":"follow","project":P}``,
   wait for ``followed``; then the claimers ``POST /api/v1/projects/P/claim-next {"slot":S}``
   (``Authorization: Token <key>``, keep-alive, open loop: claim i is due at t0 + i/R) for
   ``--duration`` s; the bench waits until every follower has every event (or ``--drain``);
3. checks against the outbox: every ``task.claimed`` row of group ``project.P`` must reach every
   follower exactly once (events come inside ``batch`` messages). Latency = time a follower read
   the message − time the claim's 201 was read (client side, same clock; also from the event's
   ``at``). Messages per follower per second: mean over the claim phase, and the busiest second;
4. baseline phase: a tiny asyncio server (``websockets.serve`` + ``websockets.broadcast``,
   subscribed to a Redis pub/sub channel with redis.asyncio, its own process), the same K
   sockets, and a publisher sending the same number of events at the same rate into Redis;
5. prints a table (app vs baseline) against the goals: delivery 1.000, p99 ≤ 1 s, ≤ 4 msgs/follower/s.

Also reported: events read out of id order by a follower (``inversions``; ``behind_earlier_msg``
counts those below the highest id of an *earlier* message, which a client resuming "after the
last id" would never get back: ids are taken at INSERT, events go out in commit order) and
batches whose ``latest`` is not their highest id.

Commands (from the repo root; needs ``.venv/bin/pip install -r bench/requirements.txt`` and websockets)::

    .venv/bin/python bench/fanout.py --followers 100 --rate 50 --duration 10   # sanity run
    .venv/bin/python bench/fanout.py                                            # 1,000 followers, 200 claims/s, 20 s
    .venv/bin/python bench/fanout.py --py-spy /tmp/fanout.spy                   # + collapsed stacks of daphne

Bounded: every loop has a count cap and a deadline; the servers run in their own process groups
and are killed in ``finally``. Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import claim_storm as cs  # helpers: database, env, servers, cpu, percentiles)

PHONE_BASE = 13700000000  # fan-out bench users: 137xxxxxxxx (claim_storm uses 139…)
GOAL_P99_S, GOAL_MSGS = 1.0, 4.0


def internal_setup(cfg: dict) -> dict:
    """In a subprocess with DATABASE_URL set: the project, claimers and followers via the services."""
    sys.path.insert(0, str(cs.REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, User
    from accounts.services import company_create, membership_set
    from tasks import services as ts
    from workers.services import worker_profile_save

    last = User.objects.filter(phone__startswith="+86137").order_by("-phone").values_list("phone", flat=True).first()
    phone = [int(last[3:]) + 1 if last else PHONE_BASE]

    def new_user(name: str, mother: bool = True) -> User:
        user = User.objects.create_user(str(phone[0]), password=None, display_name=name)
        phone[0] += 1
        if mother:
            worker_profile_save(user=user, display_name=name, region="广东省佛山市")
        return user

    run, now = f"{int(time.time())}-{secrets.token_hex(2)}", timezone.now()
    company = company_create(name=f"bench-fanout-{run}")
    sup = new_user(f"fanout supervisor {run}", mother=False)
    membership_set(actor=None, company=company, user=sup, role=Role.SUPERVISOR)
    project = ts.project_create(
        actor=sup, company_id=company.pk, kind="assembly", title=f"fan-out {run}", piece_rate="1.50",
        minutes_per_unit="10", claim_limit=720, grace_minutes=30,
    )  # fmt: skip
    ts.project_split(actor=sup, project_id=project.pk, total_units=cfg["tasks"], units_per_task=1)
    slot = ts.slot_create(
        actor=sup, project_id=project.pk, starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(hours=11), capacity=100000,
    )  # fmt: skip
    ts.project_transition(actor=sup, project_id=project.pk, action="publish")
    tokens = {k: [Token.objects.create(user=new_user(f"fanout {k} {i}")).key for i in range(cfg[k])]
              for k in ("claimers", "followers")}  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("ANALYZE tasks_task")
    return {"run": run, "project": project.pk, "slot": slot.pk, **tokens}


# --------------------------------------------------------------------------- followers (client side)


class Followers:
    """What each follower read: event ids and read times (arrays, to keep 1,000 × N small)."""

    def __init__(self, k: int, project: int | None):
        self.project = project
        self.ids = [array("q") for _ in range(k)]
        self.times = [array("d") for _ in range(k)]
        self.msg_times = [array("d") for _ in range(k)]
        self.meta: dict[int, tuple[int, float]] = {}  # event id -> (claim id, event "at" epoch)
        self.cache: dict[str, tuple] = {}  # the same text reaches every follower: parse it once
        self.bad_latest = self.closed = 0
        self.other = collections.Counter()

    def parse(self, raw) -> tuple:
        msg = json.loads(raw)
        kind = msg.get("type")
        events = msg.get("events", []) if kind == "batch" else [msg] if kind == "task.claimed" else []
        if not events:
            self.other[kind] += 1
        out = []
        for e in events:
            data = e.get("data") or {}
            if e.get("type") != "task.claimed" or (self.project is not None and data.get("project") != self.project):
                continue
            at = e.get("at")
            at = datetime.datetime.fromisoformat(at).timestamp() if isinstance(at, str) else float(at or 0)
            self.meta[e["id"]] = (data.get("claim"), at)
            out.append(e["id"])
        if kind == "batch" and events and msg.get("latest") != max(e["id"] for e in events):
            self.bad_latest += 1
        if len(self.cache) > 5000:
            self.cache.clear()
        self.cache[raw] = parsed = tuple(out)
        return parsed

    async def read(self, i: int, ws, cap: int) -> None:
        from websockets.exceptions import ConnectionClosed

        ids, times, msg_times = self.ids[i], self.times[i], self.msg_times[i]
        try:
            for _ in range(cap):
                raw = await ws.recv()
                t = time.time()
                parsed = self.cache.get(raw)
                if parsed is None:
                    parsed = self.parse(raw)
                if parsed:
                    msg_times.append(t)
                    for eid in parsed:
                        ids.append(eid)
                        times.append(t)
        except ConnectionClosed:
            self.closed += 1

    def min_count(self) -> int:
        return min((len(a) for a in self.ids), default=0)


async def connect_all(url: str, tokens: list, project: int | None, concurrency: int = 32) -> list:
    from websockets.asyncio.client import connect

    sem = asyncio.Semaphore(concurrency)

    async def one(token):
        async with sem:
            ws = await connect(url, open_timeout=60, ping_interval=None, max_size=2**24, close_timeout=2)
            if token is None:
                return ws
            for request, answer in (({"type": "auth", "token": token}, "ready"), ({"type": "follow", "project": project}, "followed")):  # fmt: skip
                await ws.send(json.dumps(request))
                for _ in range(10):
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    if msg.get("type") == answer:
                        break
                else:
                    raise RuntimeError(f"no {answer!r} after {request['type']}: last {msg}")
            return ws

    return await asyncio.gather(*(one(t) for t in tokens))


async def drain(fol: Followers, expected: int, timeout: float) -> float:
    """Wait until every follower has `expected` events (or timeout); return the seconds waited."""
    t0 = time.monotonic()
    for _ in range(int(timeout / 0.2) + 1):
        if fol.min_count() >= expected:
            break
        await asyncio.sleep(0.2)
    return time.monotonic() - t0


def measure(name: str, fol: Followers, expected: set, sent: dict, t_start: float, t_end: float, extra: dict) -> dict:
    """Delivery, duplicates, order, latency (from the 201 / publish and from `at`), messages per follower."""
    delivered = dups = unexpected = inversions = behind = 0
    lat, lat_at = array("d"), array("d")
    rates, peaks = [], []
    for ids, times, msg_times in zip(fol.ids, fol.times, fol.msg_times, strict=True):
        seen: set[int] = set()
        top_before = top = 0  # highest id of the earlier messages / of all so far
        last_t = None
        for eid, t in zip(ids, times, strict=True):
            if t != last_t:  # the events of one message share its read time
                top_before, last_t = top, t
            if eid in seen:
                dups += 1
                continue
            seen.add(eid)
            inversions += eid < top
            behind += eid < top_before
            top = max(top, eid)
            if eid not in expected:
                unexpected += 1
                continue
            claim, at = fol.meta[eid]
            if claim in sent:
                lat.append(t - sent[claim])
            lat_at.append(t - at)
        delivered += len(seen & expected)
        rates.append(len(msg_times) / max(1e-9, t_end - t_start))
        buckets = collections.Counter(int(t - t_start) for t in msg_times)
        peaks.append(max(buckets.values(), default=0))
    k = len(fol.ids)
    return {
        "name": name, "followers": k, "expected": len(expected) * k, "delivered": delivered,
        "ratio": delivered / max(1, len(expected) * k), "dups": dups, "unexpected": unexpected,
        "inversions": inversions, "behind_earlier_msg": behind, "bad_latest": fol.bad_latest, "closed": fol.closed,
        "p50": cs.pct(lat, 0.5), "p99": cs.pct(lat, 0.99), "max": max(lat, default=float("nan")),
        "p50_at": cs.pct(lat_at, 0.5), "p99_at": cs.pct(lat_at, 0.99),
        "msgs": sum(rates) / max(1, k), "peak": max(peaks, default=0), **extra,
    }  # fmt: skip


# --------------------------------------------------------------------------- app phase


async def app_phase(args, data: dict, server_pids: list[int]) -> dict:
    import aiohttp
    import psycopg

    project, n = data["project"], args.rate * args.duration
    fol = Followers(len(data["followers"]), project)
    t = time.monotonic()
    sockets = await connect_all(f"ws://127.0.0.1:{args.port}/ws/", data["followers"], project)
    print(f"app: {len(sockets)} followers connected, authenticated and following in {time.monotonic() - t:.1f}s")
    readers = [asyncio.create_task(fol.read(i, ws, 10 * n + 100)) for i, ws in enumerate(sockets)]
    url = f"http://127.0.0.1:{args.port}/api/v1/projects/{project}/claim-next"
    body = json.dumps({"slot": data["slot"]}).encode()
    sent: dict[int, float] = {}
    other, lag = collections.Counter(), [0.0]
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=aiohttp.ClientTimeout(total=30))
                for _ in data["claimers"]]  # fmt: skip
    spy = None
    try:

        async def warm(session, key: str) -> None:  # open each keep-alive connection (not timed)
            async with session.get(
                f"http://127.0.0.1:{args.port}/api/v1/me", headers={"Authorization": f"Token {key}"}
            ) as r:
                await r.read()

        await asyncio.gather(*(warm(s, k) for s, k in zip(sessions, data["claimers"], strict=True)))
        if args.py_spy:
            spy = subprocess.Popen(
                [str(cs.VENV_BIN / "py-spy"), "record", "--format", "raw", "--rate", "100", "--nonblocking",
                 "--duration", str(int(args.duration + args.drain)), "-o", args.py_spy, "--pid", str(server_pids[0])],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        await asyncio.sleep(1.0)
        cpu0, c0, (m0, i0) = cs.cpu_seconds(server_pids), time.process_time(), cs.machine_cpu()
        t0 = time.perf_counter() + 0.1
        wall0 = time.time() + 0.1
        stop_at = t0 + args.duration + 30

        async def claimer(c: int, token: str, session) -> None:
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            for i in range(c, n, len(sessions)):
                due = t0 + i / args.rate
                now = time.perf_counter()
                if now > stop_at:
                    other["deadline"] += 1
                    return
                if due > now:
                    await asyncio.sleep(due - now)
                lag[0] = max(lag[0], time.perf_counter() - due)
                try:
                    async with session.post(url, data=body, headers=headers) as r:
                        status, payload = r.status, await r.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    other[type(exc).__name__] += 1
                    continue
                if status == 201:
                    sent[json.loads(payload)["id"]] = time.time()
                else:
                    other[f"{status} {payload[:60]!r}"] += 1

        await asyncio.gather(*(claimer(c, k, s) for c, (k, s) in enumerate(zip(data["claimers"], sessions, strict=True))))  # fmt: skip
        wall1 = max(sent.values(), default=time.time())
        waited = await drain(fol, len(sent), args.drain)
        cpu = {"server_s": cs.cpu_seconds(server_pids) - cpu0, "client_s": time.process_time() - c0}
        m1, i1 = cs.machine_cpu()
        cpu["machine_busy"] = 1 - (i1 - i0) / max(1, m1 - m0)
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)
            if spy.poll() is None:
                os.killpg(spy.pid, signal.SIGKILL)
        for s in sessions:
            await s.close()
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    with psycopg.connect(args.db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id, (data->>'claim')::bigint FROM realtime_outboxevent WHERE \"group\" = %s AND type = 'task.claimed'",
            (f"project.{project}",),
        ).fetchall()
    expected = {r[0] for r in rows}
    extra = {
        "claims": len(sent), "outbox": len(expected), "claim_rate": len(sent) / max(1e-9, wall1 - wall0),
        "max_lag": lag[0], "drain_wait": waited, "errors": dict(other), "other_msgs": dict(fol.other), **cpu,
        "claims_without_event": len(set(sent) - {r[1] for r in rows}),
    }  # fmt: skip
    return measure("app", fol, expected, sent, wall0, wall1, extra)


# --------------------------------------------------------------------------- baseline phase


async def baseline_server(port: int, redis_url: str, channel: str, lifetime: float) -> None:
    """Redis pub/sub → websockets.broadcast to every connected socket. Runs in its own process."""
    import redis.asyncio as aioredis
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    async def handler(ws):
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    r = aioredis.from_url(redis_url)
    pubsub = r.pubsub()
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


async def baseline_phase(args, logdir: Path) -> dict:
    import redis.asyncio as aioredis

    n, k = args.rate * args.duration, args.followers
    channel = f"fanout-baseline-{secrets.token_hex(4)}"
    port = args.port + 1
    if not cs.port_free(port):
        raise SystemExit(f"port {port} on 127.0.0.1 is in use; pick another --port")
    log = open(logdir / "baseline.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [cs.PYTHON, str(Path(__file__).resolve()), "--internal-baseline", json.dumps([port, args.redis_url, channel, 900])],
        stdout=subprocess.PIPE, stderr=log, start_new_session=True,
    )  # fmt: skip
    sockets, readers = [], []
    redis = aioredis.from_url(args.redis_url)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
        if not line.startswith(b"READY"):
            raise RuntimeError(f"baseline server did not start; see {logdir}")
        fol = Followers(k, None)
        sockets = await connect_all(f"ws://127.0.0.1:{port}/", [None] * k, None)
        readers = [asyncio.create_task(fol.read(i, ws, 10 * n + 100)) for i, ws in enumerate(sockets)]
        await asyncio.sleep(1.0)
        pid_list = cs.proc_tree(proc.pid)
        cpu0, c0, (m0, i0) = cs.cpu_seconds(pid_list), time.process_time(), cs.machine_cpu()
        sent: dict[int, float] = {}
        t0, lag = time.perf_counter() + 0.1, 0.0
        wall0 = time.time() + 0.1
        for i in range(n):
            due = t0 + i / args.rate
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            lag = max(lag, time.perf_counter() - due)
            now = time.time()
            sent[i + 1] = now
            event = {"type": "task.claimed", "id": i + 1, "at": now, "data": {"project": 0, "claim": i + 1}}
            await redis.publish(channel, json.dumps(event))
        wall1 = time.time()
        waited = await drain(fol, n, args.drain)
        cpu = {"server_s": cs.cpu_seconds(pid_list) - cpu0, "client_s": time.process_time() - c0}
        m1, i1 = cs.machine_cpu()
        cpu["machine_busy"] = 1 - (i1 - i0) / max(1, m1 - m0)
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        await redis.aclose()
        stop(proc)
    extra = {"claims": n, "outbox": n, "claim_rate": n / max(1e-9, wall1 - wall0), "max_lag": lag,
             "drain_wait": waited, "errors": {}, "other_msgs": dict(fol.other), **cpu}  # fmt: skip
    return measure("baseline", fol, set(sent), sent, wall0, wall1, extra)


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


# --------------------------------------------------------------------------- report and main


def report(args, results: list[dict]) -> bool:
    ms = 1000
    print(
        f"\n== fan-out: {args.followers} followers, {args.rate} claims/s for {args.duration}s, code {args.code_version}"
    )
    head = (f"{'path':<9} {'delivered/expected':>20} {'ratio':>6} {'dups':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
            f" {'p50/p99 from at':>16} {'msgs/f/s':>8} {'peak/s':>6} {'events/s':>8}")  # fmt: skip
    print(head + "\n" + "-" * len(head))
    for r in results:
        print(f"{r['name']:<9} {r['delivered']:>9}/{r['expected']:<10} {r['ratio']:>6.3f} {r['dups']:>5} "
              f"{r['p50'] * ms:>7.0f} {r['p99'] * ms:>7.0f} {r['max'] * ms:>7.0f} "
              f"{r['p50_at'] * ms:>7.0f}/{r['p99_at'] * ms:<8.0f} {r['msgs']:>8.2f} {r['peak']:>6} {r['claim_rate']:>8.1f}")  # fmt: skip
    by = {r["name"]: r for r in results}
    if "app" in by and "baseline" in by:
        a, b = by["app"], by["baseline"]
        print(f"ratio app/baseline: p50 {a['p50'] / b['p50']:.2f}, p99 {a['p99'] / b['p99']:.2f}, "
              f"msgs/follower/s {a['msgs'] / max(1e-9, b['msgs']):.3f}")  # fmt: skip
    ok = True
    for r in results:
        goals = {"delivery 1.000": r["ratio"] == 1.0 and r["dups"] == 0, f"p99 <= {GOAL_P99_S:.0f} s": r["p99"] <= GOAL_P99_S,
                 f"<= {GOAL_MSGS:.0f} msgs/follower/s (peak second)": r["peak"] <= GOAL_MSGS}  # fmt: skip
        if r["name"] == "app":
            ok = all(goals.values())
        print(f"{r['name']} goals: " + ", ".join(f"{g} {'OK' if v else 'MISSED'}" for g, v in goals.items()))
        details = {key: (round(v, 3) if isinstance(v, float) else v) for key, v in r.items()
                   if key in ("claims", "outbox", "claims_without_event", "unexpected", "inversions", "behind_earlier_msg", "bad_latest",
                              "closed", "max_lag", "drain_wait", "server_s", "client_s", "machine_busy", "errors", "other_msgs")}  # fmt: skip
        print(f"{r['name']} details: {json.dumps(details, ensure_ascii=False)}")
    return ok


async def main_async(args, data: dict, env: dict, logdir: Path) -> list[dict]:
    results = []
    if not args.skip_app:
        servers = cs.Servers(SimpleNamespace(server="daphne", servers=1, port=args.port), env, logdir)
        try:
            servers.start()
            print(f"machine busy before app phase: {cs.wait_idle(args.wait_idle):.0%}")
            results.append(await app_phase(args, data, servers.pids()))
        finally:
            servers.stop()
    if not args.skip_baseline:
        print(f"machine busy before baseline phase: {cs.wait_idle(args.wait_idle):.0%}")
        results.append(await baseline_phase(args, logdir))
    return results


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--internal-setup":
        print("SETUP-JSON " + json.dumps(internal_setup(json.loads(sys.argv[2]))))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--internal-baseline":
        asyncio.run(baseline_server(*json.loads(sys.argv[2])))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--followers", type=int, default=1000)
    p.add_argument("--rate", type=int, default=200, help="claims (and baseline events) per second")
    p.add_argument("--duration", type=int, default=20, help="seconds of claiming")
    p.add_argument("--port", type=int, default=8700, help="daphne on PORT, baseline on PORT+1 (127.0.0.1)")
    p.add_argument("--claimers", type=int, default=64, help="claimer mothers (one keep-alive connection each)")
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/homeslot_bench")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    p.add_argument("--drain", type=float, default=60, help="max seconds to wait for deliveries after the last claim")
    p.add_argument("--wait-idle", type=float, default=60, help="wait up to this long for an idle machine per phase")
    p.add_argument("--skip-app", action="store_true")
    p.add_argument("--skip-baseline", action="store_true")
    p.add_argument("--py-spy", metavar="FILE", help="py-spy record (raw collapsed stacks) daphne during the app phase")
    args = p.parse_args()
    n = args.rate * args.duration
    if not (
        1 <= args.followers <= 5000
        and 1 <= args.rate <= 5000
        and 1 <= args.duration <= 600
        and 1 <= args.claimers <= 512
    ):
        p.error("keep --followers 1..5000, --rate 1..5000, --duration 1..600, --claimers 1..512")
    if n > 720 * args.claimers:
        p.error("claim_limit is 720 per mother: need rate*duration <= 720*claimers")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * args.followers + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # inherited by the servers
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cs.REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"],
                           cwd=cs.REPO, capture_output=True, text=True)  # fmt: skip
    args.code_version = (git.stdout.strip() or "?") + ("+dirty" if dirty.stdout.strip() else "")

    cs.ensure_database(args.db_url, fresh=False)
    tasks = int(n * 1.1) + 100
    base = SimpleNamespace(db_url=args.db_url, debug=False, tasks=tasks, history_tasks=0, pool_max=0)
    env = cs.django_env(base, {"HOMESLOT_REDIS_PREFIX": "homeslot_fanout", "DJANGO_SECRET_KEY": "bench"})
    t0 = time.monotonic()
    for cmd, key in (([cs.PYTHON, "manage.py", "migrate", "--noinput"], None),
                     ([cs.PYTHON, str(Path(__file__).resolve()), "--internal-setup",
                       json.dumps({"tasks": tasks, "claimers": args.claimers, "followers": args.followers})], "SETUP-JSON ")):  # fmt: skip
        out = subprocess.run(cmd, cwd=cs.REPO, env=env, capture_output=True, text=True, timeout=1800)
        line = next((ln for ln in out.stdout.splitlines() if key and ln.startswith(key)), None)
        if out.returncode or (key and line is None):
            print(out.stdout[-3000:], out.stderr[-5000:])
            return 1
    data = json.loads(line.split(" ", 1)[1])
    print(f"setup {time.monotonic() - t0:.1f}s: run {data['run']}, project {data['project']}, {tasks} tasks, "
          f"{len(data['claimers'])} claimers, {len(data['followers'])} followers")  # fmt: skip
    logdir = Path(tempfile.mkdtemp(prefix="fanout_"))
    results = asyncio.run(main_async(args, data, {**env, "REDIS_URL": args.redis_url}, logdir))
    ok = report(args, results)
    errors = [ln for f in sorted(logdir.glob("*.log")) for ln in f.read_text(errors="replace").splitlines()
              if "Error" in ln or "Traceback" in ln]  # fmt: skip
    if errors:
        print(f"server log errors ({len(errors)} lines, logs in {logdir}):", *errors[:5], sep="\n  ")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())

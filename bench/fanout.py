"""Fan-out: K followers of one project over /ws/ while claims arrive at R/s, against a plain baseline.

1. Builds, through the project's services in a ``django.setup()`` subprocess (bench database as
   bench/claim_storm.py), a published project of rate × duration (+10 %) one-unit tasks, one slot,
   ``--claimers`` claimer mothers (claim_limit 720) and ``--followers`` follower mothers with tokens.
2. App: one ``daphne`` on 127.0.0.1:``--port`` (DJANGO_DEBUG=0, channels_redis on ``--redis-url``).
   K sockets open ``/ws/``, send ``{"type":"auth","token":…}`` (→ ``ready``) and ``{"type":"follow",
   "project":P}`` (→ ``followed``); then the claimers POST ``/api/v1/projects/P/claim-next`` with
   ``{"slot":S}`` and ``Authorization: Token <key>`` (keep-alive, open loop: claim i is due at
   t0 + i/R) for ``--duration`` s; the bench waits until every follower has every event (≤ ``--drain`` s).
3. Every ``task.claimed`` row of group ``project.P`` in the outbox must reach every follower exactly
   once (inside ``batch`` messages). Latency: follower read time − the claim's 201 read time (same
   clock; also from the event's ``at``). Messages per follower per second: mean and busiest second.
4. Baseline: its own server process (``websockets.serve`` + ``websockets.broadcast`` fed by a
   redis.asyncio pub/sub subscription), the same K sockets, and a publisher process sending the same
   number of events at the same rate into Redis: one message per event (``--baseline-windows 0``) and,
   for the app's message count, batched every 250 ms (``0.25``). Latency from publish time.
5. Prints the table against the goals: delivery 1.000, p99 ≤ 1 s, ≤ 4 messages/follower/s.

Also counted: ``inversions`` (events read below an id already read), ``behind`` (below the highest
id of an *earlier* message: a client resuming "after the last id" never gets those back), and
``bad_latest`` (batches whose ``latest`` is not their highest id).

Commands (repo root; ``.venv/bin/pip install -r bench/requirements.txt websockets`` first)::

    .venv/bin/python bench/fanout.py --followers 100 --rate 50 --duration 10   # sanity run
    .venv/bin/python bench/fanout.py                                            # 1,000 followers, 200 claims/s, 20 s
    .venv/bin/python bench/fanout.py --baseline-windows '' --py-spy /tmp/fanout.spy   # app only, profiled

Bounded: every loop has a count cap and a deadline; servers run in their own process groups and
are killed in ``finally``. Everything binds to 127.0.0.1.
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
import claim_storm as cs  # helpers: database, env, servers, cpu, percentiles

ME = [cs.PYTHON, str(Path(__file__).resolve())]
PHONE_BASE = 13700000000  # fan-out bench users: 137xxxxxxxx (claim_storm uses 139…)


def internal_setup(cfg: dict) -> dict:
    """In a subprocess with DATABASE_URL set: the project, claimers and followers via the services."""
    sys.path.insert(0, str(cs.REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import api_token_issue, company_create, membership_set
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
    terms = {
        "kind": "assembly",
        # Tiny units: a bench claimer takes hundreds in one day (see bench/claim_storm.py).
        "piece_rate": "0.0100",
        "minutes_per_unit": "0.01",
        "region": "广东省佛山市",
        "claim_limit": 720,
        "grace_minutes": 30,
    }
    project = ts.project_create(actor=sup, company_id=company.pk, title=f"fan-out {run}", **terms)
    ts.project_split(actor=sup, project_id=project.pk, total_units=cfg["tasks"], units_per_task=1)
    hours = {"starts_at": now - datetime.timedelta(minutes=5), "ends_at": now + datetime.timedelta(hours=11)}
    slot = ts.slot_create(actor=sup, project_id=project.pk, capacity=100000, **hours)
    ts.project_transition(actor=sup, project_id=project.pk, action="publish")
    out = {"run": run, "project": project.pk, "slot": slot.pk}
    for kind in ("claimers", "followers"):
        out[kind] = [api_token_issue(user=new_user(f"fanout {kind} {i}"), label="bench")[1] for i in range(cfg[kind])]
    with connection.cursor() as cur:
        cur.execute("ANALYZE tasks_task")
    return out


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
        elif kind == "batch" and msg.get("latest") != max(e["id"] for e in events):
            self.bad_latest += 1
        out = []
        for e in events:
            data = e.get("data") or {}
            if e.get("type") == "task.claimed" and self.project in (None, data.get("project")):
                at = e.get("at")
                at = datetime.datetime.fromisoformat(at).timestamp() if isinstance(at, str) else float(at)
                self.meta[e["id"]] = (data.get("claim"), at)
                out.append(e["id"])
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


async def connect_one(url: str, token: str | None, project: int | None):
    from websockets.asyncio.client import connect

    ws = await connect(url, open_timeout=60, ping_interval=None, max_size=2**24, close_timeout=2)
    steps = [({"type": "auth", "token": token}, "ready"), ({"type": "follow", "project": project}, "followed")]
    for request, answer in steps if token else []:
        await ws.send(json.dumps(request))
        for _ in range(10):
            msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if msg.get("type") == answer:
                break
        else:
            raise RuntimeError(f"no {answer!r} after {request['type']}: last {msg}")
    return ws


async def run_phase(name, args, url, tokens, project, pids, load) -> dict:
    """Connect and start the followers, run `load()` (→ sent, t_start, t_end, extra), wait for delivery, measure.

    `sent` maps claim id → when its 201 was read; None for the baseline (its events carry the publish time)."""
    fol, n = Followers(len(tokens), project), args.rate * args.duration
    sem, sockets, readers = asyncio.Semaphore(32), [], []

    async def one(token):
        async with sem:
            sockets.append(await connect_one(url, token, project))

    try:
        t = time.monotonic()
        await asyncio.gather(*(one(tok) for tok in tokens))
        print(f"{name}: {len(sockets)} followers connected (and following) in {time.monotonic() - t:.1f}s")
        readers = [asyncio.create_task(fol.read(i, ws, 10 * n + 100)) for i, ws in enumerate(sockets)]
        await asyncio.sleep(1.0)
        cpu0, c0, (m0, i0) = cs.cpu_seconds(pids()), time.process_time(), cs.machine_cpu()
        sent, t_start, t_end, extra = await load()
        t = time.monotonic()
        for _ in range(int(args.drain / 0.2) + 1):  # until every follower has every event
            if min(len(a) for a in fol.ids) >= len(extra["expected"]):
                break
            await asyncio.sleep(0.2)
        m1, i1 = cs.machine_cpu()
        extra |= {"drain_wait": time.monotonic() - t, "server_s": cs.cpu_seconds(pids()) - cpu0}
        extra |= {"client_s": time.process_time() - c0, "machine_busy": 1 - (i1 - i0) / max(1, m1 - m0)}
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    expected = extra.pop("expected")
    if sent is None:
        sent = {eid: at for eid, (_claim, at) in fol.meta.items()}
    return {"name": name, **measure(fol, expected, sent, t_start, t_end), **extra, "other_msgs": dict(fol.other)}


def measure(fol: Followers, expected: set, sent: dict, t_start: float, t_end: float) -> dict:
    """Delivery, duplicates, order, latency (from the 201 / publish, and from `at`), messages per follower."""
    delivered = dups = unexpected = inversions = behind = 0
    lat, lat_at, rates, peaks = array("d"), array("d"), [], []
    for ids, times, msg_times in zip(fol.ids, fol.times, fol.msg_times, strict=True):
        seen: set[int] = set()
        top_before = top = 0  # highest id of the earlier messages / of all read so far
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
        peaks.append(max(collections.Counter(int(t - t_start) for t in msg_times).values(), default=0))
    k, n_exp = len(fol.ids), len(expected) * len(fol.ids)
    out = {"expected": n_exp, "delivered": delivered, "ratio": delivered / max(1, n_exp), "dups": dups}
    out |= {"unexpected": unexpected, "inversions": inversions, "behind": behind, "bad_latest": fol.bad_latest}
    out |= {"closed": fol.closed, "p50": cs.pct(lat, 0.5), "p99": cs.pct(lat, 0.99), "max": max(lat, default=0.0)}
    out |= {"p50_at": cs.pct(lat_at, 0.5), "p99_at": cs.pct(lat_at, 0.99), "msgs": sum(rates) / max(1, k)}
    return out | {"peak": max(peaks, default=0)}


# --------------------------------------------------------------------------- the two loads


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
                [str(cs.VENV_BIN / "py-spy"), *cmd], stdout=subprocess.DEVNULL, start_new_session=True
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
    if not cs.port_free(port):
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
        pids = lambda: cs.proc_tree(server.pid)  # noqa: E731
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


# --------------------------------------------------------------------------- report and main


def report(args, results: list[dict]) -> bool:
    print(
        f"\n== fan-out: {args.followers} followers, {args.rate} claims/s for {args.duration}s, code {args.code_version}"
    )
    head = f"{'path':<10} {'delivered/expected':>19} {'ratio':>6} {'dups':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    head += f" {'p50/p99 from at':>16} {'msgs/f/s':>8} {'peak/s':>6} {'events/s':>8}"
    print(head + "\n" + "-" * len(head))
    for r in results:
        ms = {k: r[k] * 1000 for k in ("p50", "p99", "max", "p50_at", "p99_at")}
        print(
            f"{r['name']:<10} {r['delivered']:>9}/{r['expected']:<9} {r['ratio']:>6.3f} {r['dups']:>5} {ms['p50']:>7.0f}"
            f" {ms['p99']:>7.0f} {ms['max']:>7.0f} {ms['p50_at']:>7.0f}/{ms['p99_at']:<8.0f} {r['msgs']:>8.2f}"
            f" {r['peak']:>6} {r['rate']:>8.1f}"
        )
    app = next((r for r in results if r["name"] == "app"), None)
    for b in results if app else []:
        if b is not app:
            ratios = f"p50 {app['p50'] / b['p50']:.2f}, p99 {app['p99'] / b['p99']:.2f}"
            print(f"ratio app/{b['name']}: {ratios}, msgs/follower/s {app['msgs'] / max(1e-9, b['msgs']):.3f}")
    keys = ("claims", "outbox", "claims_without_event", "unexpected", "inversions", "behind", "bad_latest", "closed")
    keys += ("max_lag", "drain_wait", "server_s", "client_s", "machine_busy", "errors", "other_msgs")
    for r in results:
        goals = {"delivery 1.000": r["ratio"] == 1.0 and r["dups"] == 0, "p99 <= 1 s": r["p99"] <= 1.0}
        goals |= {"<= 4 msgs/follower/s mean": r["msgs"] <= 4, "peak second": r["peak"] <= 4}
        print(f"{r['name']} goals: " + ", ".join(f"{g} {'OK' if v else 'MISSED'}" for g, v in goals.items()))
        details = {k: round(r[k], 3) if isinstance(r[k], float) else r[k] for k in keys if k in r}
        print(f"{r['name']} details: {json.dumps(details, ensure_ascii=False)}")
    return app is None or (app["ratio"] == 1.0 and app["dups"] == 0 and app["p99"] <= 1.0 and app["msgs"] <= 4)


async def main_async(args, data: dict, env: dict, logdir: Path) -> list[dict]:
    results = []
    if not args.skip_app:
        servers = cs.Servers(SimpleNamespace(server="daphne", servers=1, port=args.port), env, logdir)
        try:
            servers.start()
            print(f"machine busy before app phase: {cs.wait_idle(args.wait_idle):.0%}")
            url = f"ws://127.0.0.1:{args.port}/ws/"
            load = lambda: claims_load(args, data, servers.pids)  # noqa: E731
            results.append(await run_phase("app", args, url, data["followers"], data["project"], servers.pids, load))
        finally:
            servers.stop()
    for window in args.baseline_windows:
        print(f"machine busy before baseline phase ({window} s): {cs.wait_idle(args.wait_idle):.0%}")
        results.append(await baseline_phase(args, logdir, window))
    return results


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("--internal-setup", "--internal-baseline", "--internal-publish"):
        given = json.loads(sys.argv[2])
        if sys.argv[1] == "--internal-setup":
            print("SETUP-JSON " + json.dumps(internal_setup(given)))
        else:
            asyncio.run((baseline_server if sys.argv[1] == "--internal-baseline" else baseline_publish)(*given))
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
    windows = "baseline runs: 0 = one message per event; 0.25 = the publisher batches per 250 ms; '' = none"
    p.add_argument(
        "--baseline-windows", type=lambda v: [float(w) for w in v.split(",") if w], default=[0, 0.25], help=windows
    )
    p.add_argument("--py-spy", metavar="FILE", help="py-spy record (raw collapsed stacks) daphne during the claims")
    args = p.parse_args()
    n = args.rate * args.duration
    if not (1 <= args.followers <= 5000 and 1 <= args.rate <= 5000 and 1 <= args.duration <= 600):
        p.error("keep --followers 1..5000, --rate 1..5000, --duration 1..600")
    if not 1 <= args.claimers <= 512 or n > 720 * args.claimers:
        p.error("--claimers 1..512, and claim_limit is 720 per mother: rate*duration <= 720*claimers")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.followers + 1024)), hard)
    )  # servers inherit
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cs.REPO, capture_output=True, text=True)
    dirty = ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"]
    dirty = subprocess.run(dirty, cwd=cs.REPO, capture_output=True, text=True).stdout.strip()
    args.code_version = (git.stdout.strip() or "?") + ("+dirty" if dirty else "")

    cs.ensure_database(args.db_url, fresh=False)
    tasks, t0 = int(n * 1.1) + 100, time.monotonic()
    base = SimpleNamespace(db_url=args.db_url, debug=False, tasks=tasks, history_tasks=0, pool_max=0)
    env = cs.django_env(base, {"HOMESLOT_REDIS_PREFIX": "homeslot_fanout", "DJANGO_SECRET_KEY": "bench"})
    cfg = json.dumps({"tasks": tasks, "claimers": args.claimers, "followers": args.followers})
    for cmd in ([cs.PYTHON, "manage.py", "migrate", "--noinput"], [*ME, "--internal-setup", cfg]):
        out = subprocess.run(cmd, cwd=cs.REPO, env=env, capture_output=True, text=True, timeout=1800)
        if out.returncode:
            print(out.stdout[-3000:], out.stderr[-5000:])
            return 1
    data = json.loads(next(ln for ln in out.stdout.splitlines() if ln.startswith("SETUP-JSON ")).split(" ", 1)[1])
    print(f"setup {time.monotonic() - t0:.1f}s: run {data['run']}, project {data['project']}, {tasks} tasks")
    logdir = Path(tempfile.mkdtemp(prefix="fanout_"))
    results = asyncio.run(main_async(args, data, {**env, "REDIS_URL": args.redis_url}, logdir))
    ok = report(args, results)
    errors = [
        ln
        for f in sorted(logdir.glob("*.log"))
        for ln in f.read_text(errors="replace").splitlines()
        if "Exception inside" in ln or ln.startswith(("redis.exceptions", "Traceback"))
    ]
    if errors:
        print(
            f"server errors ({len(errors)} lines, logs in {logdir}): {dict(collections.Counter(errors).most_common(4))}"
        )
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())

"""The fan-out bench's followers: K sockets that authenticate and follow, what each read, and the
measures (delivery, duplicates, order, latency, messages per follower)."""

from __future__ import annotations

import asyncio
import collections
import datetime
import json
import sys
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # helpers: database, env, servers, cpu, percentiles


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
        cpu0, c0, (m0, i0) = benchlib.cpu_seconds(pids()), time.process_time(), benchlib.machine_cpu()
        sent, t_start, t_end, extra = await load()
        t = time.monotonic()
        for _ in range(int(args.drain / 0.2) + 1):  # until every follower has every event
            if min(len(a) for a in fol.ids) >= len(extra["expected"]):
                break
            await asyncio.sleep(0.2)
        m1, i1 = benchlib.machine_cpu()
        extra |= {"drain_wait": time.monotonic() - t, "server_s": benchlib.cpu_seconds(pids()) - cpu0}
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
    out |= {
        "closed": fol.closed,
        "p50": benchlib.pct(lat, 0.5),
        "p99": benchlib.pct(lat, 0.99),
        "max": max(lat, default=0.0),
    }
    out |= {"p50_at": benchlib.pct(lat_at, 0.5), "p99_at": benchlib.pct(lat_at, 0.99), "msgs": sum(rates) / max(1, k)}
    return out | {"peak": max(peaks, default=0)}

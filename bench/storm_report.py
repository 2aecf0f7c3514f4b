"""The claim storm's checks and table: the claim plan, what the database holds after the drain, and
the figures printed."""

from __future__ import annotations

import json

from benchlib import pct
from storm_phases import PhaseResult

CLAIM_SELECT_SQL = (
    "SELECT id FROM tasks_task WHERE project_id = %s "
    "AND (status = 'open' OR (status = 'claimed' AND claim_expires_at <= now())) "
    "ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1"
)


def explain(db_url: str, project: int, analyze: bool = False) -> list[str]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        conn.execute("ANALYZE tasks_task")
        opts = "ANALYZE, BUFFERS, TIMING OFF, COSTS OFF" if analyze else "COSTS OFF"
        rows = conn.execute(f"EXPLAIN ({opts}) " + CLAIM_SELECT_SQL, (project,)).fetchall()
        conn.rollback()
    return [r[0] for r in rows]


def verify(args, data: dict, app: PhaseResult | None, raw: PhaseResult | None) -> dict:
    import psycopg

    out: dict = {}
    with psycopg.connect(args.db_url, autocommit=True) as conn:

        def one(q, *p):
            return conn.execute(q, p).fetchone()[0]

        if app is not None:
            pid, sid = data["app"]["project"], data["app"]["slot"]
            doubles = one(
                "SELECT count(*) FROM (SELECT task_id FROM tasks_claim WHERE project_id = %s "
                "AND status IN ('active', 'submitted') GROUP BY task_id HAVING count(*) > 1) d",
                pid,
            )
            doubles += app.claims - len(set(app.task_ids))
            out["app"] = {
                "double claims": doubles,
                "201s": app.claims,
                "claim rows": one("SELECT count(*) FROM tasks_claim WHERE project_id = %s", pid),
                "tasks claimed": one(
                    "SELECT count(*) FROM tasks_task WHERE project_id = %s AND status = 'claimed'", pid
                ),
                "tasks open": one("SELECT count(*) FROM tasks_task WHERE project_id = %s AND status = 'open'", pid),
                "slot.claimed_count": one("SELECT claimed_count FROM tasks_timeslot WHERE id = %s", sid),
                "clients ended": dict(app.ends),
                "probe after drain": app.cpu.get("probe"),
            }
            o = out["app"]
            o["ok"] = (
                doubles == 0
                and o["201s"] == o["claim rows"] == o["tasks claimed"] == o["slot.claimed_count"] == args.tasks
                and o["tasks open"] == 0
                and app.ends.get("no_task_available", 0) == args.clients
                and str(o["probe after drain"]).startswith("409 no_task_available")
            )
        if raw is not None:
            pid = data["raw"]["project"]
            claimed = one("SELECT count(*) FROM tasks_task WHERE project_id = %s AND status = 'claimed'", pid)
            out["raw"] = {
                "double claims": raw.claims - len(set(raw.task_ids)),
                "rows returned": raw.claims,
                "tasks claimed": claimed,
                "clients ended": dict(raw.ends),
            }
            out["raw"]["ok"] = out["raw"]["double claims"] == 0 and raw.claims == claimed == args.tasks
    return out


def report(args, data: dict, app: PhaseResult | None, raw: PhaseResult | None, checks: dict) -> None:
    ms = 1000
    setup = f"{args.server} x{args.servers}, route {args.route}, code {args.code_version}" + (
        " (DEBUG on)" if args.debug else ""
    )
    print()
    print(
        f"== claim storm: {setup}, {args.clients} clients, {args.tasks} tasks/project, redis={args.redis_url or 'off'}"
    )
    head = f"{'path':<6} {'claims':>6} {'drain s':>8} {'claims/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'rate 1st→last third':>20}"
    print(head)
    print("-" * len(head))
    for r in (app, raw):
        if r is None:
            continue
        print(
            f"{r.name:<6} {r.claims:>6} {r.drain_s:>8.2f} {r.rate:>9.0f} {pct(r.latencies, 0.5) * ms:>8.1f} "
            f"{pct(r.latencies, 0.99) * ms:>8.1f} {max(r.latencies or [0]) * ms:>8.1f} {r.thirds():>20}"
        )
    if app and raw and raw.rate:
        print(f"ratio app/raw: {app.rate / raw.rate:.3f}")
    doubles = sum(c.get("double claims", 0) for c in checks.values())
    print(f"double claims: {doubles}")
    for name, c in checks.items():
        print(
            f"check {name}: {'OK' if c.get('ok') else 'FAILED'} {json.dumps({k: v for k, v in c.items() if k != 'ok'}, ensure_ascii=False)}"
        )
    for r in (app, raw):
        if r is None:
            continue
        if r.other:
            print(f"{r.name} non-201 answers on the way: {dict(r.other)}")
        cpu = ", ".join(
            f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.cpu.items() if k != "probe"
        )
        print(f"{r.name} cpu: {cpu} (drain {r.drain_s:.2f}s)")
        if r.wait_samples:
            top = ", ".join(f"{k} {v / r.wait_samples:.1f}" for k, v in r.waits.most_common(args.top_waits))
            print(f"{r.name} pg sessions busy (avg per sample, {r.wait_samples} samples): {top}")

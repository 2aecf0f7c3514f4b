"""The loop bench's table, ratios and goals, and the checks of what the database holds after it."""

from __future__ import annotations

import json

import psycopg
from benchlib import pct
from loop_common import Phase

# The in-process probe's name of each step (loop_setup.sql_per_step); the page's "claim the next
# one" after someone was faster is not probed, "hall (taken)" is the hall.
PROBED = {"hall (taken)": "hall"}
RAW_SQL = {"claim": ["CLAIM"], "submit": ["SUBMIT"], "review": ["REVIEW", "CREDIT"]}  # loop_raw's statements


def _row(label: str, count, rate: float, lat: list[float] | None, cpu_ms, sql) -> str:
    p50 = f"{pct(lat, 0.5) * 1000:8.1f}" if lat else f"{'':>8}"
    p99 = f"{pct(lat, 0.99) * 1000:8.1f}" if lat else f"{'':>8}"
    cpu = f"{cpu_ms:9.2f}" if isinstance(cpu_ms, float) else f"{cpu_ms or '':>9}"
    return f"{label:<26} {count:>7} {rate:>9.1f} {p50} {p99} {cpu} {sql if sql is not None else '':>6}"


def print_table(args, n: int, phases: list[Phase], probed_sql: dict) -> None:
    print(f"\n== loop, {n} clients: {serving(args)}, {args.seconds:g}s per phase, code {args.code_version}")
    head = f"{'phase / step':<26} {'count':>7} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/r':>9} {'SQL/r':>6}"
    print(head + "\n" + "-" * len(head))
    for ph in phases:
        sql = RAW_SQL if ph.name.startswith("raw") else probed_sql
        cpu = ph.server_cpu_s * 1000 / ph.loops if ph.loops and not ph.name.startswith("raw") else None
        steps_sql = [len(sql.get(PROBED.get(s, s), [])) for s in ph.steps if PROBED.get(s, s) in sql]
        per_loop = round(sum(len(st.latencies) * len(sql[PROBED.get(k, k)]) for k, st in ph.steps.items()
                             if PROBED.get(k, k) in sql) / ph.loops, 1) if ph.loops and steps_sql else None  # fmt: skip
        label = f"{ph.name} (loops)"
        print(_row(label, ph.loops, ph.rate, None, cpu, per_loop))
        for name, st in ph.steps.items():
            step_cpu = st.cpu_s * 1000 / len(st.latencies) if st.cpu_s and st.latencies else "-"
            probed = sql.get(PROBED.get(name, name))
            rate = len(st.latencies) / ph.seconds if ph.seconds else 0.0
            print(_row(f"  {name}", len(st.latencies), rate, st.latencies, step_cpu, len(probed) if probed else None))
        extra = {**ph.ends, **ph.events}
        answers = {f"{k}: {a}": c for k, st in ph.steps.items() for a, c in st.answers.most_common(3)}
        busy = f"machine busy {ph.machine_busy:.0%}, client cpu {ph.client_cpu_s:.1f}s" if ph.machine_busy else ""
        print(f"  · {json.dumps(extra, ensure_ascii=False)} {busy}" + (f" unexpected: {answers}" if answers else ""))


def print_ratios(n: int, by: dict[str, Phase]) -> None:
    def ratio(a: str, b: str, what: str) -> None:
        if a in by and b in by and by[b].rate:
            print(f"  {a} / {b}: {by[a].rate / by[b].rate:.3f} ({what})")

    print(f"ratios at {n} clients:")
    for loop in ("api", "api confirm"):
        ratio(loop, "floor api", "loops/s over the trivial view's requests/s")
        ratio(loop, "raw loop", "loops/s over the raw SQL's")
    ratio("pages", "floor page", "loops/s over the trivial view's requests/s")
    ratio("pages", "raw loop", "loops/s over the raw SQL's")
    ratio("review api", "raw review", "reviews/s over the raw SQL's")
    ratio("review page", "raw review", "reviews/s over the raw SQL's")
    ratio("review api", "api", "reviews/s over the submissions/s they review: >= 1 keeps up")
    ratio("review page", "pages", "reviews/s over the submissions/s they review: >= 1 keeps up")


def print_goals(by: dict[str, Phase], sql: dict) -> None:
    goals = {}
    if "api" in by:
        p99 = pct(by["api"].steps["claim-next"].latencies, 0.99)
        goals["API loop >= 150 loops/s, claim p99 <= 1 s"] = (
            by["api"].rate >= 150 and p99 <= 1.0,
            f"{by['api'].rate:.0f}/s, {p99:.2f}s",
        )
    if "pages" in by:
        worst = max(pct(s.latencies, 0.99) for s in by["pages"].steps.values())
        goals["page loop >= 80 loops/s, p99 <= 1 s per step"] = (
            by["pages"].rate >= 80 and worst <= 1.0,
            f"{by['pages'].rate:.0f}/s, worst p99 {worst:.2f}s",
        )
    for step, most in (("submit", 8), ("review", 10), ("hand-in", 8), ("decide", 10)):
        if step in sql:
            goals[f"{step} <= {most} SQL"] = (len(sql[step]) <= most, f"{len(sql[step])}")
    for goal, (ok, value) in goals.items():
        print(f"goal {goal}: {'OK' if ok else 'MISSED'} ({value})")


def verify(args, data: dict) -> dict:
    """For each project: no task with two live claims; submissions == claims handed in (one each);
    tasks' states match; every accepted review credited exactly once in the ledger."""
    out = {}
    with psycopg.connect(args.db_url, autocommit=True) as conn:

        def one(q: str, *p) -> int:
            return conn.execute(q, p).fetchone()[0]

        for name in ("api", "confirm", "pages", "raw"):
            pid = data[name]["project"]
            key = "raw-review:" if name == "raw" else "review:"
            c = {
                "double live claims": one(
                    "SELECT count(*) FROM (SELECT task_id FROM tasks_claim WHERE project_id = %s "
                    "AND status IN ('active', 'submitted') GROUP BY task_id HAVING count(*) > 1) d",
                    pid,
                ),
                "claims": one("SELECT count(*) FROM tasks_claim WHERE project_id = %s", pid),
                "claims handed in": one(
                    "SELECT count(*) FROM tasks_claim WHERE project_id = %s AND status IN ('submitted', 'done')", pid
                ),
                "submissions": one("SELECT count(*) FROM tasks_submission WHERE project_id = %s", pid),
                "claims with 2+ submissions": one(
                    "SELECT count(*) FROM (SELECT claim_id FROM tasks_submission WHERE project_id = %s "
                    "GROUP BY claim_id HAVING count(*) > 1) d",
                    pid,
                ),
                "accepted": one(
                    "SELECT count(*) FROM tasks_review r JOIN tasks_submission s ON s.id = r.submission_id "
                    "WHERE s.project_id = %s AND r.decision = 'accept'",
                    pid,
                ),
                "accepted not credited once": one(
                    "SELECT count(*) FROM tasks_review r JOIN tasks_submission s ON s.id = r.submission_id "
                    "WHERE s.project_id = %s AND r.decision = 'accept' AND "
                    "(SELECT count(*) FROM ledger_transaction t WHERE t.key = %s || r.id) <> 1",
                    pid,
                    key,
                ),
                "credits": one(
                    "SELECT count(*) FROM ledger_transaction WHERE project_id = %s AND kind = 'earning'", pid
                ),
                "tasks submitted / pending": [
                    one("SELECT count(*) FROM tasks_task WHERE project_id = %s AND status = 'submitted'", pid),
                    one("SELECT count(*) FROM tasks_submission WHERE project_id = %s AND status = 'pending'", pid),
                ],
            }
            c["ok"] = (
                c["double live claims"] == 0
                and c["submissions"] == c["claims handed in"]
                and c["claims with 2+ submissions"] == 0
                and c["accepted not credited once"] == 0
                and c["credits"] == c["accepted"]
                and c["tasks submitted / pending"][0] == c["tasks submitted / pending"][1]
            )
            out[name] = c
    return out


def pending(db_url: str, projects: list[int]) -> list[tuple[int, int]]:
    """(submission, worker) waiting for review in these projects, oldest first."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT id, worker_id FROM tasks_submission WHERE project_id = ANY(%s) AND status = 'pending' ORDER BY id",
            (projects,),
        ).fetchall()


def serving(args) -> str:
    """What served HTTP: the server, its processes, and (ASGI) which Django handler, its threads."""
    threads = args.threads or 8
    if args.server == "gunicorn":
        return f"gunicorn x{args.servers} (gthread, {threads} threads)"
    handler = f"{threads} threads" if args.http == "threads" else "Django's ASGI handler"
    return f"{args.server} x{args.servers} ({handler})"

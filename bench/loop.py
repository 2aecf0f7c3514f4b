"""The mothers' loop: claim → hand-in → review, through the pages and the API, against the framework's
floor and the raw SQL ceiling (issue 15).

What it does, in one run:

1. makes (if missing) a dedicated PostgreSQL database (``--db-url``, default
   ``postgres://postgres@127.0.0.1:5432/homeslot_bench_loop``; ``--fresh`` drops it first) and runs
   ``manage.py migrate``;
2. in a ``django.setup()`` subprocess (``loop_setup.py``), through the project's services: closes
   the projects of earlier runs (a mother's hall shows every published project), then a company,
   ``max(--clients)`` supervisors and as many mothers, each her own account with a password (one
   Argon2 hash shared), an API token, a complete profile and weekly hours 07:00–21:00 tomorrow;
   four copywriting projects (a one-sentence hand-in) of ``--tasks`` tasks each: "api" and "pages"
   with a slot tomorrow 08:00–20:00 (inside her hours), "confirm" with a slot 21:30–23:30 (outside:
   claiming needs ``confirm_outside_availability``), and "raw" (4 × ``--tasks``), left a draft (no
   hall shows it).
   It then runs every step once in-process (Django's test client, ``CaptureQueriesContext``, the
   bench database, a small probe project, two rounds, the second counted) and keeps the SQL
   statements each step costs (``--show-queries`` prints them). The API's claim-next is counted
   through the DRF view: over HTTP, ``{"slot": S}`` with ``Token <key>`` is served by the ASGI fast
   path (tasks/fastpath.py; with ``"confirm_outside_availability": true`` too), whose own connection
   pool the probe does not see;
3. starts the servers itself, bound to 127.0.0.1 (``--server daphne --servers N``: N daphne
   processes on consecutive ports, people spread round-robin; ``--server uvicorn``: ``uvicorn
   --workers N``; ``--server gunicorn``: ``gunicorn --workers N`` with ``--threads`` gthread threads,
   WSGI; ``--http django``: Django's own ASGI handler instead of config.http's threads), with
   ``DJANGO_DEBUG=0``, ``REDIS_URL`` (``--redis-url``) and the sign-in limits
   per address raised (every bench person signs in from 127.0.0.1);
4. for each N of ``--clients`` (default 1,8,64), one phase after another (never at once), each at
   most ``--seconds`` (closed loop: N people, one keep-alive aiohttp connection each):

   - ``floor``: the trivial authenticated views — ``GET /api/v1/me`` with a mother's token
     ("floor api") and ``GET /work/review/count`` with a supervisor's session ("floor page"; the
     project has no emptier authenticated Django view);
   - ``api``: ``POST /api/v1/projects/{api}/claim-next {"slot": S}`` → ``POST /api/v1/claims/{id}/submit
     {"text": …}``; then "api confirm": the same on the "confirm" project with
     ``confirm_outside_availability: true``;
   - ``pages``: signed in through ``/signin/?mode=password`` (phone, password, csrfmiddlewaretoken
     from the page), cookies and the CSRF token kept as a browser keeps them, redirects taken one
     by one (each is a step): hall ``GET /m/`` → a card of the project at random → claim ``POST
     /m/tasks/{t}/claim`` (302; if someone was faster, the hall's "claim the next one" form) → the
     claim page ``GET /m/claims/{c}/`` → hand-in ``POST /m/claims/{c}/submit`` (302) → my tasks
     ``GET /m/claims/?submitted=c``;
   - ``review``: N supervisors accept what the api phases left waiting through the API (``POST
     /api/v1/submissions/{id}/review {"decision": "accept"}``), then what the pages left through
     their page (``GET /work/review/{id}/`` → ``POST …/decide`` (302) → ``GET /work/review/`` (302 to
     the oldest, not followed: each supervisor takes her own share, so they do not collide)). Run
     as fast as they go; the ratio to the submissions' rate says whether review keeps up;
   - ``raw``: the same writes as raw SQL (``loop_raw.py`` says exactly which) on N asyncio psycopg
     connections: claim → submit per loop, then the reviews with the ledger credit.

   Per step: count, rate, p50/p99, server CPU per request and SQL statements per request (the
   probe's). Server CPU per loop comes from the server processes' CPU time over the phase; per
   step only with one client (each request bracketed by the servers' /proc CPU time: 10 ms ticks,
   so a step's figure is an average over many requests);
5. prints, per N, the table, the ratios (each loop vs the floor and vs the raw ceiling; reviews
   vs the submissions they follow), then the goals of issue 15 at the largest N and the checks:
   no task with two live claims; submissions == claims handed in (one each); tasks' states match
   the submissions'; every accepted review credited exactly once in the ledger.

``--py-spy FILE`` records the first server during each phase (FILE-<phase>-n<N>, collapsed
stacks; ``BENCH_SPY_GIL=1``: only the thread holding the GIL). The output names the commit.

Examples (repo root; ``.venv/bin/pip install -r bench/requirements.txt`` first)::

    .venv/bin/python bench/loop.py --clients 1,8 --seconds 4          # a short look
    .venv/bin/python bench/loop.py                                     # 1, 8, 64 clients, 30 s per phase
    .venv/bin/python bench/loop.py --clients 64 --phases api,floor --py-spy /tmp/loop.spy

The pieces: ``loop_setup.py`` (data and SQL per step), ``loop_common.py`` (a browser-like client,
the phase harness), ``loop_phases.py`` (the HTTP loops), ``loop_raw.py`` (the ceiling),
``loop_report.py`` (table, ratios, goals, checks) and ``benchlib.py`` (what every bench shares).

Bounded: every phase has a deadline and every loop a count cap; the servers run in their own
process groups and are killed in ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import benchlib
from loop_common import Browser, Phase, run_phase
from loop_phases import (
    api_client,
    floor_client,
    page_client,
    review_api_client,
    review_page_client,
    sign_in,
)
from loop_raw import raw_loop, raw_review
from loop_report import pending, print_goals, print_ratios, print_table, verify
from loop_setup import internal_setup

ME = [benchlib.PYTHON, str(Path(__file__).resolve())]
PHASES = ("floor", "api", "pages", "review", "raw")


class People:
    """Every bench person's connections, kept across phases (her keep-alive connection, her cookies)."""

    def __init__(self, data: dict, ports: list[int]):
        self.sessions: list[aiohttp.ClientSession] = []
        self.data = data

        def browsers(who: str, token: bool) -> list[Browser]:
            out = []
            for i, person in enumerate(data[who]):
                session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=1),
                    cookie_jar=aiohttp.DummyCookieJar(),  # cookies kept by Browser, as sent by a browser
                    timeout=aiohttp.ClientTimeout(total=60),
                )
                self.sessions.append(session)
                b = Browser(session, f"http://127.0.0.1:{ports[i % len(ports)]}", Phase("-", 0), 0.0)
                b.token = person["token"] if token else None
                b.phone = person["phone"]
                out.append(b)
            return out

        self.api_mothers, self.page_mothers = browsers("mothers", True), browsers("mothers", False)
        self.api_sups, self.page_sups = browsers("supervisors", True), browsers("supervisors", False)
        self.signed_in: set[int] = set()

    async def sign_in(self, n: int) -> None:
        todo = [b for b in (*self.page_mothers[:n], *self.page_sups[:n]) if id(b) not in self.signed_in]
        for b in todo:
            b.phase, b.deadline = Phase("sign-in", 0), time.perf_counter() + 600
        await asyncio.gather(*(sign_in(b, b.phone, self.data["password"]) for b in todo))
        self.signed_in.update(id(b) for b in todo)

    def bracket(self, pids: list[int] | None) -> None:
        for b in (*self.api_mothers, *self.page_mothers, *self.api_sups, *self.page_sups):
            b.spy_cpu = pids

    async def close(self) -> None:
        for s in self.sessions:
            await s.close()


async def one_n(args, data: dict, people: People, n: int, pids: list[int]) -> list[Phase]:
    phases: list[Phase] = []
    text = data["text"]

    async def run(name: str, client, spy: str) -> None:
        busy = benchlib.wait_idle(args.wait_idle)
        print(
            f"  {name}, {n} clients (machine busy before: {busy:.0%}{', WARNING: other load' if busy > 0.15 else ''})"
        )
        phases.append(await run_phase(name, args, n, pids, client, spy))

    people.bracket(pids if n == 1 else None)
    await people.sign_in(n)
    if "floor" in args.phases:
        await run("floor api", floor_client(people.api_mothers, "/api/v1/me", "floor api"), "floor-api")
        await run("floor page", floor_client(people.page_sups, "/work/review/count", "floor page"), "floor-page")
    if "api" in args.phases:
        api, confirm = data["api"], data["confirm"]
        await run("api", api_client(people.api_mothers, api["project"], api["slot"], confirm=False, text=text), "api")
        client = api_client(people.api_mothers, confirm["project"], confirm["slot"], confirm=True, text=text)
        await run("api confirm", client, "api-confirm")
    if "pages" in args.phases:
        await run("pages", page_client(people.page_mothers, data["pages"]["project"], text=text), "pages")
    if "review" in args.phases:
        waiting = [s for s, _w in pending(args.db_url, [data["api"]["project"], data["confirm"]["project"]])]
        await run("review api", review_api_client(people.api_sups[:n], waiting), "review-api")
        waiting = [s for s, _w in pending(args.db_url, [data["pages"]["project"]])]
        await run(
            "review page", review_page_client(people.page_sups[:n], waiting, data["pages"]["project"]), "review-page"
        )
    people.bracket(None)
    if "raw" in args.phases:
        print(f"  raw, {n} connections (machine busy before: {benchlib.wait_idle(args.wait_idle):.0%})")
        phases.append(await raw_loop(args, data, n))
        phases.append(await raw_review(args, data, n, pending(args.db_url, [data["raw"]["project"]])))
    return phases


async def main_async(args, data: dict, env: dict, logdir: Path) -> dict[int, list[Phase]]:
    results: dict[int, list[Phase]] = {}
    servers = benchlib.Servers(args, env, logdir)
    people = None
    try:
        servers.start()
        people = People(data, servers.ports)
        for n in args.clients:
            results[n] = await one_n(args, data, people, n, servers.pids())
    finally:
        if people is not None:
            await people.close()
        servers.stop()
    return results


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--internal-setup":
        print("SETUP-JSON " + json.dumps(internal_setup(json.loads(sys.argv[2]))))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=lambda v: [int(x) for x in v.split(",") if x], default=[1, 8, 64])
    p.add_argument("--seconds", type=float, default=30, help="each phase's length")
    p.add_argument("--phases", type=lambda v: [x for x in v.split(",") if x], default=list(PHASES))
    p.add_argument("--server", choices=["daphne", "uvicorn", "gunicorn"], default="daphne")
    p.add_argument("--servers", type=int, default=1, help="daphne processes, or uvicorn/gunicorn --workers")
    p.add_argument(
        "--http",
        choices=["threads", "django"],
        default="threads",
        help="under daphne/uvicorn: config.http's threads (the default) or Django's own ASGI handler",
    )
    p.add_argument("--threads", type=int, default=0, help="HTTP threads per process (0: the default, 8)")
    p.add_argument("--port", type=int, default=8650, help="first port (127.0.0.1)")
    p.add_argument("--tasks", type=int, default=0, help="tasks per project (0: 300 per second of phase per N)")
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/homeslot_bench_loop")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="'' for the in-memory channel layer")
    p.add_argument("--pool-max", type=int, default=0, help="DB_POOL_MAX for each server process (0: settings default)")
    p.add_argument("--debug", action="store_true", help="run the servers with DJANGO_DEBUG=1")
    p.add_argument("--wait-idle", type=float, default=30, help="wait up to this long for an idle machine per phase")
    p.add_argument("--show-queries", action="store_true", help="print each step's SQL (the in-process probe)")
    p.add_argument("--py-spy", metavar="FILE", help="py-spy record the first server during each phase")
    args = p.parse_args()
    unknown = set(args.phases) - set(PHASES)
    if unknown or not args.clients or not all(1 <= n <= 256 for n in args.clients):
        p.error(f"--phases from {','.join(PHASES)}; --clients 1..256 each")
    if not (1 <= args.servers <= 8 and 0.5 <= args.seconds <= 600):
        p.error("keep --servers 1..8, --seconds 0.5..600")
    args.tasks = args.tasks or int(300 * args.seconds * len(args.clients)) + 50
    args.raw_tasks = 4 * args.tasks  # raw SQL runs several times faster
    args.history_tasks = 0
    args.db_name = args.db_url.rsplit("/", 1)[1]
    args.code_version = benchlib.code_version()

    benchlib.ensure_database(args.db_url, args.fresh)
    split = {"HOMESLOT_SPLIT_MAX_TASKS": str(args.raw_tasks)}
    env = benchlib.django_env(args, {"HOMESLOT_REDIS_PREFIX": "homeslot_bench_loop", **split})
    t0 = time.monotonic()
    migrate = [benchlib.PYTHON, "manage.py", "migrate", "--noinput"]
    migrate = subprocess.run(migrate, cwd=benchlib.REPO, env=env, capture_output=True, text=True, timeout=600)
    if migrate.returncode:
        print(migrate.stdout[-3000:], migrate.stderr[-3000:])
        return 1
    cfg = {
        "tasks": args.tasks,
        "raw_tasks": args.raw_tasks,
        "mothers": max(args.clients),
        "supervisors": max(args.clients),
    }
    data = benchlib.setup_json([*ME, "--internal-setup", json.dumps(cfg)], env)
    if data is None:
        return 1
    sql = data["sql"]
    print(
        f"setup {time.monotonic() - t0:.1f}s: run {data['run']}, {args.tasks} tasks in each project, raw {args.raw_tasks}"
    )
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    counts = {k: f"{len(v)} ({sum(not q.startswith(control) for q in v)})" for k, v in sql.items()}
    print("SQL statements per step (in-process test client, warm; in brackets without BEGIN/COMMIT/SAVEPOINT):")
    print("  " + ", ".join(f"{k} {c}" for k, c in counts.items()))
    if args.show_queries:
        for step, queries in sql.items():
            print(f"-- {step}: {len(queries)}", *(f"   {q[:200]}" for q in queries), sep="\n")

    limits = {"HOMESLOT_SIGN_IN_RATE_ADDRESS": "100000/min", "HOMESLOT_SIGN_IN_RATE_PHONE": "1000/min"}
    server_env = benchlib.django_env(
        args,
        {
            "HOMESLOT_REDIS_PREFIX": "homeslot_bench_loop",
            "HOMESLOT_HTTP": args.http,
            **({"HOMESLOT_HTTP_THREADS": str(args.threads)} if args.threads else {}),
            **limits,
            **({"REDIS_URL": args.redis_url} if args.redis_url else {}),
        },
    )
    logdir = Path(tempfile.mkdtemp(prefix="bench_loop_"))
    results = asyncio.run(main_async(args, data, server_env, logdir))
    for n, phases in results.items():
        print_table(args, n, phases, sql)
        print_ratios(n, {ph.name: ph for ph in phases})
    top = max(results)
    print(f"\n== goals of issue 15 at {top} clients (the goals are for 64, one server process)")
    print_goals({ph.name: ph for ph in results[top]}, sql)
    checks = verify(args, data)
    for name, c in checks.items():
        shown = {k: v for k, v in c.items() if k != "ok"}
        print(f"check {name}: {'OK' if c['ok'] else 'FAILED'} {json.dumps(shown, ensure_ascii=False)}")
    if benchlib.code_version() != args.code_version:
        print(f"WARNING: the code moved from {args.code_version} to {benchlib.code_version()} during the run")
    errors = collections.Counter(
        ln.strip()[:120]
        for f in sorted(logdir.glob("server*.log"))
        for ln in f.read_text(errors="replace").splitlines()
        if "Error" in ln or "Traceback" in ln
    )
    if errors:
        print(f"server log errors (logs in {logdir}): {dict(errors.most_common(5))}")
    return 0 if all(c["ok"] for c in checks.values()) else 2


if __name__ == "__main__":
    sys.exit(main())

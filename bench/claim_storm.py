"""Claim storm: how fast can Homeslot hand out tasks, against the raw SQL ceiling?

What it does, in one run:

1. makes (if missing) a dedicated PostgreSQL database (``--db-url``, default
   ``postgres://postgres@127.0.0.1:5432/homeslot_bench``; ``--fresh`` drops it first) and runs
   ``manage.py migrate`` against it;
2. in a ``django.setup()`` subprocess, builds data through the project's own services
   (accounts.services, workers.services.worker_profile_save, tasks.services.project_create /
   project_split / slot_create / project_transition): once, a "history" company with a few
   projects of thousands of accepted tasks and done claims (so the planner sees many finished
   rows and several projects, DESIGN.md §9); then, each run, a fresh company with two
   identical published assembly projects of ``--tasks`` one-unit tasks (claim_limit 720, the
   service's maximum; one slot of capacity 100,000), and ``--clients`` mothers, each with an
   API token. It also claims once through the API in-process with CaptureQueriesContext and
   prints the SQL statements one claim-next costs (``--show-queries`` lists them);
3. starts the servers itself, bound to 127.0.0.1 only: ``--server daphne --servers N`` runs N
   ``daphne`` processes on consecutive ports (clients spread round-robin);
   ``--server uvicorn --servers N`` runs ``uvicorn --workers N`` on one port. Servers get
   ``DJANGO_DEBUG=0`` (use ``--debug`` for the dev default), ``REDIS_URL`` (real channel
   layer, default ``redis://127.0.0.1:6379/15``; ``--redis-url ''`` runs without) and the
   settings' psycopg pool (``--pool-max`` sets ``DB_POOL_MAX``);
4. app phase: ``--clients`` concurrent HTTP clients (aiohttp, one keep-alive connection
   each, each a distinct mother) loop ``POST /api/v1/projects/{A}/claim-next {"slot": S}``
   with ``Authorization: Token <key>`` until 409 ``no_task_available``; then the servers
   are stopped. ``--route fast`` (default) sends ``Token <key>``, which the ASGI fast path
   (tasks/fastpath.py) serves when the app has one; ``--route django`` sends ``token <key>``
   (DRF matches the keyword case-insensitively, the fast path does not), so the request goes
   through Django's handler and the DRF ``ClaimNextView``;
5. raw phase: the same number of asyncio psycopg connections (autocommit, prepared) loop the
   one-statement claim on project B until it returns no row::

       UPDATE tasks_task SET status='claimed', claim_expires_at=%s, updated_at=now()
       WHERE id = (SELECT id FROM tasks_task WHERE project_id=%s
                   AND (status='open' OR (status='claimed' AND claim_expires_at <= now()))
                   ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING id

6. verifies: no task with two live claims, distinct task ids in the 201s, 201s == claims
   rows == tasks claimed == ``--tasks``, slot.claimed_count == tasks, no open task left, every
   client ended on 409 ``no_task_available`` and one more probe still gets it; for raw,
   ids returned are distinct and equal the claimed count. It prints a table.

``--py-spy FILE`` records the first server (collapsed stacks; set ``BENCH_SPY_GIL=1`` to
sample only the thread holding the GIL). The output names the git commit benchmarked.

While each phase runs it samples pg_stat_activity (what the bench database's sessions are
waiting on) and CPU time of the servers, this client process and the whole machine.
The two phases run one after the other (not at once) so that they do not share the 2 cores.

Extra packages, installed into .venv for the bench only (not in requirements.txt):
``pip install aiohttp uvicorn uvloop httptools`` (aiohttp is the HTTP client; uvicorn picks up
uvloop + httptools when present). Optional: ``py-spy`` for profiling a server.

The pieces: ``storm_setup.py`` (the data), ``storm_phases.py`` (the two loads),
``storm_report.py`` (checks and table) and ``benchlib.py`` (what every bench shares).

Examples (from the repo root)::

    .venv/bin/python bench/claim_storm.py                       # 1 daphne, 64 clients, 3000 tasks
    .venv/bin/python bench/claim_storm.py --server daphne --servers 4
    .venv/bin/python bench/claim_storm.py --server uvicorn --servers 2

Bounded: every loop has a count limit and the whole phase a deadline (``--timeout``); the
servers run in their own process groups and are killed in ``finally`` (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchlib import PYTHON, REPO, Servers, django_env, ensure_database, wait_idle
from storm_phases import app_phase, raw_phase
from storm_report import explain, report, verify
from storm_setup import internal_setup


async def main_async(args, data: dict, env: dict, logdir: Path) -> tuple:
    app = raw = None
    if not args.skip_app:
        servers = Servers(args, env, logdir)
        try:
            servers.start()
            busy = wait_idle(args.wait_idle)
            print(f"machine busy before app phase: {busy:.0%}" + ("  (WARNING: other load)" if busy > 0.15 else ""))
            app = await app_phase(args, data, servers.ports, servers.pids())
        finally:
            servers.stop()
    if not args.skip_raw:
        busy = wait_idle(args.wait_idle)
        print(f"machine busy before raw phase: {busy:.0%}" + ("  (WARNING: other load)" if busy > 0.15 else ""))
        raw = await raw_phase(args, data)
    return app, raw


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--internal-setup":
        print("SETUP-JSON " + json.dumps(internal_setup(json.loads(sys.argv[2]))))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    p.add_argument("--servers", type=int, default=1, help="daphne processes, or uvicorn --workers")
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--tasks", type=int, default=3000, help="tasks in each of the two projects")
    p.add_argument("--port", type=int, default=8600, help="first port (127.0.0.1)")
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/homeslot_bench")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="'' for the in-memory channel layer")
    p.add_argument("--pool-max", type=int, default=0, help="DB_POOL_MAX for each server process (0: settings default)")
    p.add_argument("--debug", action="store_true", help="run the servers with DJANGO_DEBUG=1")
    p.add_argument("--history-projects", type=int, default=4)
    p.add_argument("--history-tasks", type=int, default=5000)
    p.add_argument("--timeout", type=float, default=300, help="deadline of each phase, seconds")
    p.add_argument("--skip-app", action="store_true")
    p.add_argument("--skip-raw", action="store_true")
    p.add_argument("--show-queries", action="store_true", help="print the SQL of one claim-next")
    p.add_argument(
        "--wait-idle", type=float, default=120, help="wait up to this long for an idle machine before each phase"
    )
    p.add_argument(
        "--route",
        choices=["fast", "django"],
        default="fast",
        help="fast: 'Authorization: Token k' (the ASGI fast path if the app has one); django: 'token k' (DRF view)",
    )
    p.add_argument("--top-waits", type=int, default=6)
    p.add_argument(
        "--py-spy", metavar="FILE", help="py-spy record (collapsed stacks) the first server during the app phase"
    )
    args = p.parse_args()
    if not (1 <= args.servers <= 8 and 1 <= args.clients <= 512 and 1 <= args.tasks <= 200_000):
        p.error("keep --servers 1..8, --clients 1..512, --tasks 1..200000")
    if args.tasks > 720 * args.clients:
        p.error("claim_limit is at most 720 per mother: need --tasks <= 720 * --clients")
    args.db_name = urlsplit(args.db_url).path.lstrip("/")
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    args.code_version = (git.stdout.strip() or "?") + ("+dirty" if dirty.stdout.strip() else "")

    ensure_database(args.db_url, args.fresh)
    env = django_env(args)
    t0 = time.monotonic()
    migrate = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    if migrate.returncode:
        print(migrate.stdout[-3000:], migrate.stderr[-3000:])
        return 1
    cfg = {
        "tasks": args.tasks,
        "clients": args.clients,
        "history_projects": args.history_projects,
        "history_tasks": args.history_tasks,
    }
    setup = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--internal-setup", json.dumps(cfg)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    line = next((ln for ln in setup.stdout.splitlines() if ln.startswith("SETUP-JSON ")), None)
    if setup.returncode or line is None:
        print(setup.stdout[-3000:], setup.stderr[-5000:])
        return 1
    data = json.loads(line.split(" ", 1)[1])
    print(
        f"setup {time.monotonic() - t0:.1f}s: run {data['run']}, app project {data['app']['project']}, "
        f"raw project {data['raw']['project']}"
        + (f", history built in {data['history_built_s']}s" if "history_built_s" in data else "")
    )
    probe = data["probe"]
    print(
        f"one claim-next through the DRF view (in-process test client): HTTP {probe['status']}, {len(probe['queries'])} SQL statements"
    )
    if args.show_queries:
        for q in probe["queries"]:
            print("   ", q[:160])
    print(
        "claim SELECT plan on the raw project:",
        " / ".join(s.strip() for s in explain(args.db_url, data["raw"]["project"])),
    )

    server_env = django_env(args, {"REDIS_URL": args.redis_url} if args.redis_url else None)
    logdir = Path(tempfile.mkdtemp(prefix="claim_storm_"))
    app, raw = asyncio.run(main_async(args, data, server_env, logdir))
    checks = verify(args, data, app, raw)
    head_now = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    if not args.code_version.startswith(head_now or "?"):
        print(f"WARNING: HEAD moved from {args.code_version} to {head_now} during the run")
    report(args, data, app, raw, checks)
    if raw is not None:
        plan = explain(args.db_url, data["raw"]["project"], analyze=True)
        print(
            "after the drain, finding nothing costs:",
            " / ".join(s.strip() for s in plan if "Buffers" in s or "Rows Removed" in s or "Execution" in s),
        )
    errors = [
        ln
        for f in sorted(logdir.glob("server*.log"))
        for ln in f.read_text(errors="replace").splitlines()
        if "Error" in ln or "Traceback" in ln
    ]
    if errors:
        print(f"server log errors ({len(errors)} lines, logs in {logdir}):", *errors[:5], sep="\n  ")
    return 0 if all(c.get("ok") for c in checks.values()) else 2


if __name__ == "__main__":
    sys.exit(main())

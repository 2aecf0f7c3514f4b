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

The pieces: ``fanout_followers.py`` (the sockets and the measures), ``fanout_loads.py`` (the claims
and the baseline), ``benchlib.py`` (what every bench shares).

Bounded: every loop has a count cap and a deadline; servers run in their own process groups and
are killed in ``finally``. Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # helpers: database, env, servers, cpu, percentiles
from fanout_followers import run_phase
from fanout_loads import ME, baseline_phase, baseline_publish, baseline_server, claims_load

PHONE_BASE = 13700000000  # fan-out bench users: 137xxxxxxxx (claim_storm uses 139…)


def internal_setup(cfg: dict) -> dict:
    """In a subprocess with DATABASE_URL set: the project, claimers and followers via the services."""
    sys.path.insert(0, str(benchlib.REPO))
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
        servers = benchlib.Servers(SimpleNamespace(server="daphne", servers=1, port=args.port), env, logdir)
        try:
            servers.start()
            print(f"machine busy before app phase: {benchlib.wait_idle(args.wait_idle):.0%}")
            url = f"ws://127.0.0.1:{args.port}/ws/"
            load = lambda: claims_load(args, data, servers.pids)  # noqa: E731
            results.append(await run_phase("app", args, url, data["followers"], data["project"], servers.pids, load))
        finally:
            servers.stop()
    for window in args.baseline_windows:
        print(f"machine busy before baseline phase ({window} s): {benchlib.wait_idle(args.wait_idle):.0%}")
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
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=benchlib.REPO, capture_output=True, text=True)
    dirty = ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"]
    dirty = subprocess.run(dirty, cwd=benchlib.REPO, capture_output=True, text=True).stdout.strip()
    args.code_version = (git.stdout.strip() or "?") + ("+dirty" if dirty else "")

    benchlib.ensure_database(args.db_url, fresh=False)
    tasks, t0 = int(n * 1.1) + 100, time.monotonic()
    base = SimpleNamespace(db_url=args.db_url, debug=False, tasks=tasks, history_tasks=0, pool_max=0)
    env = benchlib.django_env(base, {"HOMESLOT_REDIS_PREFIX": "homeslot_fanout", "DJANGO_SECRET_KEY": "bench"})
    cfg = json.dumps({"tasks": tasks, "claimers": args.claimers, "followers": args.followers})
    for cmd in ([benchlib.PYTHON, "manage.py", "migrate", "--noinput"], [*ME, "--internal-setup", cfg]):
        out = subprocess.run(cmd, cwd=benchlib.REPO, env=env, capture_output=True, text=True, timeout=1800)
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

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
import collections
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable

RAW_CLAIM_SQL = (
    "UPDATE tasks_task SET status = 'claimed', claim_expires_at = %s, updated_at = now() "
    "WHERE id = (SELECT id FROM tasks_task WHERE project_id = %s "
    "AND (status = 'open' OR (status = 'claimed' AND claim_expires_at <= now())) "
    "ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id"
)
CLAIM_SELECT_SQL = (
    "SELECT id FROM tasks_task WHERE project_id = %s "
    "AND (status = 'open' OR (status = 'claimed' AND claim_expires_at <= now())) "
    "ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1"
)
HISTORY_COMPANY = "bench-history"
PHONE_BASE = 13900000000  # bench users: 139xxxxxxxx, counting up across runs


# --------------------------------------------------------------------------- setup (subprocess)


def internal_setup(cfg: dict) -> dict:
    """Runs inside a subprocess with DATABASE_URL set: build data with the project's services."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import datetime

    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import Company, Role, User
    from accounts.services import api_token_issue, company_create, membership_set
    from tasks import services as ts
    from tasks.models import Claim, ClaimStatus, Task, TaskStatus
    from workers.services import worker_profile_save

    last = User.objects.filter(phone__startswith="+86139").order_by("-phone").values_list("phone", flat=True).first()
    next_phone = [int(last[3:]) + 1 if last else PHONE_BASE]

    def new_user(name: str) -> User:
        phone = str(next_phone[0])
        next_phone[0] += 1
        return User.objects.create_user(phone, password=None, display_name=name)

    def new_mother(name: str) -> User:
        user = new_user(name)
        worker_profile_save(user=user, display_name=name, region="广东省佛山市")
        return user

    now = timezone.now()

    def published_project(sup, company, title: str, tasks: int, claim_limit: int = 720):
        project = ts.project_create(
            actor=sup,
            company_id=company.pk,
            kind="assembly",
            title=title,
            # Tiny units: a bench mother claims thousands in one day, far past the part-time
            # hours a real one may take (fairwork); the pay still clears the region's floor.
            piece_rate="0.0100",
            minutes_per_unit="0.01",
            region="广东省佛山市",
            claim_limit=claim_limit,
            grace_minutes=30,
        )
        ts.project_split(actor=sup, project_id=project.pk, total_units=tasks, units_per_task=1)
        slot = ts.slot_create(
            actor=sup,
            project_id=project.pk,
            starts_at=now - datetime.timedelta(minutes=5),
            ends_at=now + datetime.timedelta(hours=11),
            capacity=100000,
        )
        ts.project_transition(actor=sup, project_id=project.pk, action="publish")
        return project, slot

    out: dict = {}
    # History: several projects full of finished work, built once per database.
    if not Company.objects.filter(name=HISTORY_COMPANY).exists():
        t0 = time.monotonic()
        company = company_create(name=HISTORY_COMPANY)
        sup = new_user("history supervisor")
        membership_set(actor=None, company=company, user=sup, role=Role.SUPERVISOR)
        mothers = [new_mother(f"history mother {i}") for i in range(16)]
        for p in range(cfg["history_projects"]):
            project, slot = published_project(sup, company, f"history {p}", cfg["history_tasks"])
            with transaction.atomic():
                ids = list(Task.objects.filter(project=project).values_list("pk", flat=True))
                Task.objects.filter(project=project).update(status=TaskStatus.ACCEPTED, accepted_units=F("units"))
                Claim.objects.bulk_create(
                    [
                        Claim(
                            task_id=tid,
                            worker=mothers[i % len(mothers)],
                            slot=slot,
                            project=project,
                            status=ClaimStatus.DONE,
                            claimed_at=now - datetime.timedelta(days=2),
                            expires_at=now - datetime.timedelta(days=1),
                            ended_at=now - datetime.timedelta(days=1),
                        )
                        for i, tid in enumerate(ids)
                    ],
                    batch_size=2000,
                )
        out["history_built_s"] = round(time.monotonic() - t0, 1)

    run = f"{int(time.time())}-{secrets.token_hex(2)}"
    company = company_create(name=f"bench-run-{run}")
    sup = new_user(f"bench supervisor {run}")
    membership_set(actor=None, company=company, user=sup, role=Role.SUPERVISOR)
    app_project, app_slot = published_project(sup, company, f"claim storm app {run}", cfg["tasks"])
    raw_project, raw_slot = published_project(sup, company, f"claim storm raw {run}", cfg["tasks"])
    probe_project, probe_slot = published_project(sup, company, f"claim storm probe {run}", 2)
    tokens = []
    for i in range(cfg["clients"]):
        mother = new_mother(f"bench mother {i}")
        tokens.append(api_token_issue(user=mother, label="bench")[1])

    # What one claim-next costs in SQL (in-process, WSGI test client, same DB).
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            f"/api/v1/projects/{probe_project.pk}/claim-next", {"slot": probe_slot.pk}, format="json"
        )
    queries = [q["sql"] for q in ctx.captured_queries]
    Task.objects.filter(project=probe_project).update(status=TaskStatus.ACCEPTED)
    Claim.objects.filter(project=probe_project).update(status=ClaimStatus.DONE)

    out.update(
        run=run,
        app={"project": app_project.pk, "slot": app_slot.pk},
        raw={"project": raw_project.pk, "slot": raw_slot.pk},
        tokens=tokens,
        probe={"status": response.status_code, "queries": queries},
    )
    return out


# --------------------------------------------------------------------------- helpers


def db_url_for(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def ensure_database(url: str, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(db_url_for(url, "postgres"), autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def django_env(args, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.db_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1" if args.debug else "0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        HOMESLOT_LOG_LEVEL="WARNING",
        HOMESLOT_SPLIT_MAX_TASKS=str(max(args.tasks, args.history_tasks, 5000)),
        HOMESLOT_REDIS_PREFIX="homeslot_bench",
        HOMESLOT_VAR_DIR=str(Path(tempfile.gettempdir()) / "homeslot_bench_var"),
    )
    env.pop("REDIS_URL", None)
    if args.pool_max:
        env["DB_POOL_MAX"] = str(args.pool_max)
    env.update(extra or {})
    return env


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def proc_tree(pid: int) -> list[int]:
    """pid and its descendants (for uvicorn's worker processes)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo and len(out) < 1000:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return total / tick


def machine_cpu() -> tuple[float, float]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values), idle


def wait_idle(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (at most max_wait s) until the machine is below threshold busy over 1 s; return the last busy share."""
    deadline = time.monotonic() + max_wait
    while True:
        t0, i0 = machine_cpu()
        time.sleep(1.0)
        t1, i1 = machine_cpu()
        busy = 1 - (i1 - i0) / max(1, t1 - t0)
        if busy < threshold or time.monotonic() >= deadline:
            return busy


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- servers


class Servers:
    def __init__(self, args, env: dict, logdir: Path):
        self.args, self.env, self.logdir = args, env, logdir
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def start(self) -> None:
        a = self.args
        if a.server == "daphne":
            self.ports = [a.port + i for i in range(a.servers)]
            commands = [
                [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(p), "config.asgi:application"]
                for p in self.ports
            ]
        else:
            self.ports = [a.port]
            commands = [
                [
                    str(VENV_BIN / "uvicorn"),
                    "config.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(a.port),
                    "--workers",
                    str(a.servers),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ]
            ]
        for p in self.ports:
            if not port_free(p):
                raise SystemExit(f"port {p} on 127.0.0.1 is in use; pick another --port")
        for i, cmd in enumerate(commands):
            log = open(self.logdir / f"server{i}.log", "wb")  # noqa: SIM115 - closed with the process
            self.procs.append(
                subprocess.Popen(
                    cmd, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.ports)
        while pending and time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited early ({proc.returncode}); see {self.logdir}")
            for port in list(pending):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                        s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        if s.recv(16).startswith(b"HTTP/"):
                            pending.discard(port)
                except OSError:
                    pass
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"servers on {sorted(pending)} not ready after {timeout}s; see {self.logdir}")
        if self.args.server == "uvicorn":
            time.sleep(1.0 + 0.5 * self.args.servers)  # let every worker come up, not only the first

    def pids(self) -> list[int]:
        return [p for proc in self.procs for p in proc_tree(proc.pid)]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.procs = []


# --------------------------------------------------------------------------- load phases


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
            spy = subprocess.Popen(
                [
                    str(VENV_BIN / "py-spy"),
                    "record",
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--subprocesses",
                    *(["--gil"] if os.environ.get("BENCH_SPY_GIL") else []),
                    "--duration",
                    str(int(args.timeout)),
                    "--nonblocking",
                    "-o",
                    args.py_spy,
                    "--pid",
                    str(server_pids[0]),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
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
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(spy.pid, signal.SIGKILL)
                spy.wait(timeout=5)
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


# --------------------------------------------------------------------------- checks and report


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

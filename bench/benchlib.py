"""What the benches share: the repo and its Python, the bench database, the servers' environment,
starting and stopping servers, CPU time and idleness, percentiles."""

from __future__ import annotations

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
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable


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


def spy_start(path: str, pid: int, duration: float) -> subprocess.Popen:
    """py-spy record (raw collapsed stacks) of ``pid`` and its children; BENCH_SPY_GIL=1: the GIL holder only."""
    cmd = [str(VENV_BIN / "py-spy"), "record", "--format", "raw", "--rate", "200", "--subprocesses"]
    cmd += ["--gil"] if os.environ.get("BENCH_SPY_GIL") else []
    cmd += ["--duration", str(int(duration)), "--nonblocking", "-o", path, "--pid", str(pid)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def spy_stop(spy: subprocess.Popen | None) -> None:
    if spy is None:
        return
    spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(spy.pid, signal.SIGKILL)
        spy.wait(timeout=5)


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
        elif a.server == "gunicorn":  # WSGI: the same Django, sync, on worker processes' threads
            self.ports = [a.port]
            commands = [
                [
                    str(VENV_BIN / "gunicorn"),
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{a.port}",
                    "--workers",
                    str(a.servers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(getattr(a, "threads", 0) or 8),
                    "--log-level",
                    "warning",
                ]
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
        if self.args.server in ("uvicorn", "gunicorn"):
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


def code_version() -> str:
    """The commit benchmarked, ``+dirty`` when files outside bench/ differ from it."""
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"]
    dirty = subprocess.run(dirty, cwd=REPO, capture_output=True, text=True).stdout.strip()
    return (git.stdout.strip() or "?") + ("+dirty" if dirty else "")


def setup_json(cmd: list[str], env: dict, timeout: float = 1800) -> dict | None:
    """Run a ``--internal-setup`` subprocess; its ``SETUP-JSON {…}`` line, or None (its output printed)."""
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("SETUP-JSON ")), None)
    if out.returncode or line is None:
        print(out.stdout[-3000:], out.stderr[-5000:])
        return None
    return json.loads(line.split(" ", 1)[1])


# --- file exports (bench/export.py, bench/results_export.py): one daphne, files read to nowhere --------


def export_env(db_url: str, **extra: str) -> dict:
    """The environment of an export bench's server and setup: production-like, no Redis."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-export-not-secret-" + "x" * 30,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        HOMESLOT_LOG_LEVEL="WARNING",
        **extra,
    )
    env.pop("REDIS_URL", None)
    return env


def migrated_setup(script: str, cfg: dict, env: dict) -> dict:
    """Migrate the bench database, then run ``script --internal-setup <cfg>`` and read its last line (JSON)."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, script, "--internal-setup", json.dumps(cfg)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"setup {time.perf_counter() - started:.1f}s")
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def daphne_on(port: int, env: dict):
    """One daphne on 127.0.0.1:``port`` while the block runs; yields its pid."""
    if not port_free(port):
        raise SystemExit(f"port {port} is busy")
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while port_free(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("daphne did not start")
            time.sleep(0.2)
        yield server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def vm_hwm_mb(pid: int) -> float:
    """The process's peak resident memory so far (``VmHWM``), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def http_to_nowhere(port: int, token: str, path: str) -> tuple[int, int, float]:
    """(lines, bytes, seconds) of one GET read to nowhere."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"export failed: {response.status} {response.read()[:500]!r}")
    size = lines = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    conn.close()
    return lines, size, elapsed


def copy_to_nowhere(db_url: str, sql: str) -> tuple[int, int, float]:
    """(lines, bytes, seconds) of a ``COPY … TO STDOUT`` read through psycopg ``cursor.copy()``."""
    import psycopg

    with psycopg.connect(db_url) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        size = lines = 0
        with cursor.copy(sql) as copy:
            for data in copy:
                size += len(data)
                lines += bytes(data).count(b"\n")
        return lines, size, time.perf_counter() - started


def bench_mothers(prefix: str, count: int, name: str) -> list[int]:
    """In a django.setup() process: ``count`` mothers with phones ``+86<prefix>NNNNN``, made once; their ids."""
    from accounts.models import User
    from workers.models import WorkerProfile

    def ids() -> list[int]:
        mothers = WorkerProfile.objects.filter(user__phone__startswith=f"+86{prefix}")
        return list(mothers.values_list("user_id", flat=True))

    mothers = ids()
    if len(mothers) < count:
        users = User.objects.bulk_create(
            [User(phone=f"+86{prefix}{i:05d}", display_name=f"妈妈{i}") for i in range(len(mothers), count)]
        )
        WorkerProfile.objects.bulk_create([WorkerProfile(user=u, display_name=f"{name}{u.phone[-4:]}") for u in users])
        mothers = ids()
    return mothers

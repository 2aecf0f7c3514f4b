"""A small platform of its own for the fault suite: a PostgreSQL cluster made with ``initdb`` in a
temporary folder on its own port, its own Redis, and daphne servers on them — so the tests can
kill and restart each part without touching the machine's services or anyone's test database."""

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, deadline: float = 60, process: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


def postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """``initdb`` into ``folder`` and run the cluster on a free port. PostgreSQL refuses to run
    as root: then it runs as the ``postgres`` system user (``runuser``)."""

    def __init__(self):
        # Its own folder under /tmp: pytest's folders are private to root, which ``postgres`` cannot enter.
        self.folder = Path(tempfile.mkdtemp(prefix="homeslot-faults-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.log = self.folder / "postgres.log"
        self.as_other_user = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/homeslot"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        if self.as_other_user:
            argv = ("runuser", "-u", "postgres", "--", *argv)
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120)

    def create(self) -> None:
        if self.as_other_user:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE homeslot")

    def _pg_ctl(self, *argv: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
            "-c fsync=off -c max_connections=200"
        )
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *argv)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        """A real restart: every connection the servers hold dies."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)


class PrivateRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Platform:
    """PostgreSQL, Redis and ``count`` daphne servers, each of which a test may kill and start."""

    def __init__(self, folder: Path, *, servers: int = 2):
        self.folder = folder
        self.postgres = PrivatePostgres()
        self.redis = PrivateRedis(folder)
        self.ports = [free_port() for _ in range(servers)]
        self.servers: list[subprocess.Popen | None] = [None] * servers

    def env(self) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "HOMESLOT_REDIS_PREFIX": "faults",
            "HOMESLOT_VAR_DIR": str(self.folder / "var"),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "fault-suite-secret-key-not-for-production-0123456789",
            "HOMESLOT_HEARTBEAT_SECONDS": "2",
            "DB_POOL_MAX": "20",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DATABASE_TEST_NAME", None)
        return env

    def manage(self, *argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *argv], cwd=REPO, env=self.env(), capture_output=True, text=True, timeout=300
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str) -> dict:
        """Run ``code`` with Django set up on this platform's database; it prints one JSON line."""
        script = "import django, json\ndjango.setup()\n" + code
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, env=self.env(), capture_output=True, text=True, timeout=300
        )
        if done.returncode:
            raise RuntimeError(f"script failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def up(self) -> None:
        self.postgres.create()
        self.redis.start()
        self.manage("migrate", "--noinput")
        for index in range(len(self.ports)):
            self.start_server(index)

    def start_server(self, index: int) -> None:
        port = self.ports[index]
        log = open(self.folder / f"daphne-{port}.log", "ab")  # noqa: SIM115 - kept open with the server
        self.servers[index] = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=REPO,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(port, process=self.servers[index])

    def kill_server(self, index: int) -> None:
        """``kill -9``: no shutdown, whatever it was doing is cut off."""
        server = self.servers[index]
        if server is not None:
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            self.servers[index] = None

    def down(self) -> None:
        for index in range(len(self.servers)):
            self.kill_server(index)
        self.redis.kill()
        self.postgres.stop()

    def server_logs(self) -> str:
        return "\n".join(
            (self.folder / f"daphne-{port}.log").read_text(errors="replace")
            for port in self.ports
            if (self.folder / f"daphne-{port}.log").exists()
        )

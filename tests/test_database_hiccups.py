"""A database that cannot answer for a moment is never a 500: pooled connections are checked,
a request that wrote nothing is tried once more, anything else is a 503 in her language; and
SQLite, however it is configured, gets the options that make concurrent claims wait, not fail."""

import datetime
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from core import dbfaults
from tasks import services
from tasks.models import Claim
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def _side_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def _terminate(pid: int) -> None:
    """Kill one backend, as a restart does, and wait until it is gone."""
    with _side_connection() as side:
        side.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(200):
            if not side.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} did not stop")


class KillBefore:
    """Django's execute hook: before the first ``times`` statements containing ``marker``, the
    connection they run on is killed from outside, the way a PostgreSQL restart would."""

    def __init__(self, marker: str, times: int = 1):
        self.marker, self.left, self.seen = marker, times, 0

    def __call__(self, execute, sql, params, many, context):
        if self.marker in sql:
            self.seen += 1
            if self.left > 0:
                self.left -= 1
                _terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)


# Requests run on the test's own thread and connection: killing it must not kill a test transaction.
live_db = pytest.mark.django_db(transaction=True)


@pytest.fixture
def claimable(on_postgres):
    company = factories.CompanyFactory()
    supervisor = factories.staff(company)
    project = factories.project(supervisor, company, tasks=2)
    slot = factories.slot(supervisor, project)
    mother = factories.mother()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(mother)
    return {"project": project, "slot": slot, "mother": mother, "client": client, "supervisor": supervisor}


def _claims_ran_out(claimable) -> None:
    """Every task of the project is one whose claim ran out: a claim of one takes the ORM path (one
    transaction), which the one-statement claim leaves it to."""
    project = claimable["project"]
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=6), tick=False):
        gone = factories.slot(claimable["supervisor"], project)
        for _task in project.tasks.all():
            services.task_claim_next(worker=factories.mother(), project_id=project.pk, slot_id=gone.pk)


@live_db
def test_a_read_whose_connection_dies_is_tried_once_more_and_answers(claimable):
    hook = KillBefore('FROM "tasks_task"')
    with connection.execute_wrapper(hook):
        response = claimable["client"].get("/api/v1/tasks")
    assert response.status_code == 200, response.content
    assert {t["project"]["id"] for t in response.json()["results"]} == {claimable["project"].pk}
    assert hook.left == 0 and hook.seen >= 2  # killed once, and read again by the second attempt


@live_db
def test_a_claim_whose_transaction_died_before_commit_is_made_once_on_the_second_try(claimable):
    _claims_ran_out(claimable)
    task = claimable["project"].tasks.order_by("pk").first()
    hook = KillBefore('INSERT INTO "realtime_outboxevent"')
    with connection.execute_wrapper(hook):
        response = claimable["client"].post(
            f"/api/v1/tasks/{task.pk}/claim", {"slot": claimable["slot"].pk}, format="json"
        )
    assert response.status_code == 201, response.content
    assert Claim.objects.filter(worker=claimable["mother"]).count() == 1
    assert AuditEntry.objects.filter(action="claim.create", actor=claimable["mother"]).count() == 1
    assert hook.left == 0 and hook.seen == 4  # each try: the run-out claim's events, then the new claim's


@live_db
def test_a_one_statement_claim_cut_off_is_a_503_never_a_second_try(claimable):
    """In autocommit the claim is its own transaction: a statement cut off by a dying connection may
    have committed, so the request is answered 503, not run again; her phone sends it again."""
    task = claimable["project"].tasks.order_by("pk").first()
    hook = KillBefore("homeslot_claim_next")
    with connection.execute_wrapper(hook):
        response = claimable["client"].post(
            f"/api/v1/tasks/{task.pk}/claim", {"slot": claimable["slot"].pk}, format="json"
        )
    assert response.status_code == 503
    assert hook.left == 0 and hook.seen == 1
    assert Claim.objects.filter(worker=claimable["mother"]).count() == 0  # killed before it was sent
    again = claimable["client"].post(f"/api/v1/tasks/{task.pk}/claim", {"slot": claimable["slot"].pk}, format="json")
    assert again.status_code == 201, again.content
    assert Claim.objects.filter(worker=claimable["mother"]).count() == 1


@live_db
@pytest.mark.parametrize(("language", "words"), [("en", "try again"), ("zh-hans", "稍后")])
def test_a_database_that_stays_away_is_a_503_in_her_language(claimable, language, words):
    hook = KillBefore('FROM "tasks_task"', times=2)
    client = claimable["client"]
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    with connection.execute_wrapper(hook):
        response = client.get("/api/v1/tasks", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 503
    assert response["Retry-After"] == str(dbfaults.RETRY_AFTER_SECONDS)
    error = response.json()["error"]
    assert error["code"] == "service_unavailable"
    assert words in error["message"]


@live_db
def test_a_page_gets_a_friendly_503_page(claimable):
    from django.test import Client

    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(claimable["project"].created_by)
    hook = KillBefore('FROM "tasks_project"', times=2)
    with connection.execute_wrapper(hook):
        response = browser.get("/work/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "稍后" in response.content.decode()


@live_db
def test_pooled_connections_killed_between_requests_cost_one_quiet_retry(claimable):
    """A restart kills every pooled connection: the first request finds a dead one, every dead
    one is dropped at once, and the request runs again on a live connection."""
    client = claimable["client"]
    assert client.get("/api/v1/tasks").status_code == 200
    pool = connection.pool
    held = [pool.getconn() for _ in range(8)]  # a busy server's pool: many idle connections
    for conn in held:
        pool.putconn(conn)
    with _side_connection() as side:
        mine = side.execute("SELECT pg_backend_pid()").fetchone()[0]
        idle = [
            pid
            for (pid,) in side.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s "
                "AND backend_type = 'client backend'",
                [mine],
            )
        ]
    assert len(idle) >= 8
    for pid in idle:
        if connection.connection is None or pid != connection.connection.info.backend_pid:
            _terminate(pid)
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.get("/api/v1/tasks").status_code == 200  # the dead ones were all dropped by the first
    assert pool.get_stats().get("connections_lost", 0) + pool.get_stats().get("returns_bad", 0) >= 1
    pool.check()  # for the test's own teardown, which is not a request


# --- what counts as written -------------------------------------------------------------


def _tracked(work) -> bool:
    tracker = dbfaults.WriteTracker()
    with dbfaults.tracking(tracker):
        work()
    return tracker.wrote


def test_reads_write_nothing(db):
    assert _tracked(lambda: list(Claim.objects.all())) is False


@live_db
def test_a_write_counts_once_its_transaction_commits_and_never_when_it_rolls_back():
    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            factories.CompanyFactory()
            raise RuntimeError("undone")

    assert _tracked(rolled_back) is False
    assert _tracked(lambda: factories.CompanyFactory()) is True

    def committed():
        with transaction.atomic():
            factories.CompanyFactory()

    assert _tracked(committed) is True


def test_a_select_that_calls_one_of_our_writing_functions_is_a_write():
    assert dbfaults._may_write("SELECT * FROM homeslot_claim_next(1, 2, 3, now())")
    assert not dbfaults._may_write('SELECT "tasks_task"."id" FROM "tasks_task"')
    assert dbfaults._may_write('INSERT INTO "tasks_claim" VALUES (1)')


@live_db
def test_the_one_statement_claim_that_declines_wrote_nothing(claimable):
    """It returns no row and writes nothing: the ORM path's transaction after it may be tried again."""
    from tasks.services import claims

    project, slot = claimable["project"], claimable["slot"]

    def claim(worker):
        return lambda: claims._claim_in_one_statement(worker=worker, project_id=project.pk, slot_id=slot.pk)

    assert _tracked(claim(claimable["supervisor"])) is False  # not a mother: declined
    assert _tracked(claim(claimable["mother"])) is True
    assert Claim.objects.filter(worker=claimable["mother"]).count() == 1


# --- SQLite, however it is named --------------------------------------------------------


def _settings_in_child(env: dict) -> dict:
    code = "import django, json; django.setup(); from django.conf import settings; " + (
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    child_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    for name in [k for k, v in env.items() if v is None]:
        child_env.pop(name)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=child_env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sqlite_by_url_gets_the_same_options_as_the_embedded_default(tmp_path):
    by_url = _settings_in_child({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    embedded = _settings_in_child({"DATABASE_URL": None, "SQLITE_PATH": str(tmp_path / "b.sqlite3")})
    assert by_url == embedded == settings.SQLITE_OPTIONS
    assert by_url["transaction_mode"] == "IMMEDIATE"


CONCURRENT_CLAIMS = textwrap.dedent(
    """
    import threading, django, json
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    call_command("migrate", verbosity=0)
    from tests import factories
    from tasks import services
    from core.errors import DomainError
    company = factories.CompanyFactory()
    supervisor = factories.staff(company)
    project = factories.project(supervisor, company, tasks=20, units_per_task=1)
    slot = factories.slot(supervisor, project)
    mothers = [factories.mother() for _ in range(20)]
    outcomes, start = [], threading.Barrier(20)

    def claim(mother):
        start.wait()
        try:
            services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
            outcomes.append("claimed")
        except DomainError as refused:
            outcomes.append(refused.code)
        except Exception as failed:
            outcomes.append(type(failed).__name__ + ": " + str(failed))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(m,)) for m in mothers]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(json.dumps(sorted(outcomes)))
    """
)


def test_twenty_concurrent_claims_on_sqlite_by_url_all_succeed(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'claims.sqlite3'}",
        "HOMESLOT_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", CONCURRENT_CLAIMS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=150
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["claimed"] * 20


@live_db
def test_a_commit_whose_answer_was_lost_is_never_tried_again(claimable, monkeypatch):
    """COMMIT reached the server and the connection died before its answer: the claim may exist,
    so the request is not run a second time (that would be a second claim) but answered 503."""
    _claims_ran_out(claimable)  # the ORM path: a transaction, and its COMMIT
    project, slot = claimable["project"], claimable["slot"]
    wrapper = type(connections["default"])
    real_commit = wrapper._commit

    def commit_then_lose_the_answer(self):
        real_commit(self)
        raise OperationalError("server closed the connection unexpectedly")  # as Django reports it

    with monkeypatch.context() as patch:
        patch.setattr(wrapper, "_commit", commit_then_lose_the_answer)
        response = claimable["client"].post(
            f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json"
        )
    assert response.status_code == 503
    assert Claim.objects.filter(worker=claimable["mother"]).count() == 1  # once, not twice


@live_db
def test_a_one_statement_claim_whose_answer_was_lost_is_never_tried_again(claimable):
    """The same in autocommit: the claim's one statement committed, and its answer was lost."""
    project, slot = claimable["project"], claimable["slot"]

    def run_then_lose_the_answer(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "homeslot_claim_next" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with connection.execute_wrapper(run_then_lose_the_answer):
        response = claimable["client"].post(
            f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json"
        )
    assert response.status_code == 503
    assert Claim.objects.filter(worker=claimable["mother"]).count() == 1  # once, not twice


def test_what_a_failure_leaves_unknown_is_never_safe_to_retry():
    tracker = dbfaults.WriteTracker()
    assert tracker.safe_to_retry
    tracker.pending = True  # a write ran in a transaction that has not committed …
    assert not tracker.safe_to_retry  # … and the failure came from elsewhere (COMMIT)
    tracker.failed_in_statement = True  # a statement failed: its transaction was aborted
    assert tracker.safe_to_retry
    tracker.unknown = True  # an autocommit write was cut off
    assert not tracker.safe_to_retry


def test_a_live_connection_on_a_descriptor_past_1024_is_not_taken_for_dead():
    """A server with a thousand sockets open gives its database connections descriptors past
    select()'s limit: the check must still tell a live connection from a dead one."""
    ours, theirs = socket.socketpair()
    high = os.dup2(ours.fileno(), 1500)

    class Conn:
        def fileno(self):
            return high

    try:
        assert dbfaults.idle_connection_is_dead(Conn()) is False
        theirs.send(b"bye")  # what a server sends before it hangs up
        assert dbfaults.idle_connection_is_dead(Conn()) is True
    finally:
        os.close(high)
        ours.close()
        theirs.close()

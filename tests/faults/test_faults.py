"""Faults under load: Redis killed, PostgreSQL restarted, a server ``kill -9``-ed while mothers
claim and hand in and supervisors review through two servers. Afterwards: no claim doubled or
lost, no credit doubled or missing, debits equal credits, and every event reached every socket
that resumed. A platform of its own (tests/faults/cluster.py), so nothing here touches the
machine's databases; it runs in CI's PostgreSQL pass."""

import os
import threading
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.faults.cluster import Platform, postgres_bin
from tests.faults.load import (
    Api,
    Follower,
    Tally,
    mother_works,
    run_followers,
    sign_in,
    supervisor_reviews,
)

pytestmark = pytest.mark.timeout(600)

SEED = """
from accounts.models import Role
from tests import factories
company = factories.CompanyFactory(name="故障演练厂")
supervisors = [factories.staff(company, Role.SUPERVISOR) for _ in range(2)]
project = factories.project(supervisors[0], company, tasks=1000, units_per_task=1, claim_limit=50)
slot = factories.slot(supervisors[0], project, capacity=5000)
mothers = [factories.mother() for _ in range(8)]
watchers = [factories.mother() for _ in range(2)]
print(json.dumps({
    "project": project.pk, "slot": slot.pk, "rate": str(project.piece_rate), "password": factories.PASSWORD,
    "mothers": [m.phone for m in mothers], "supervisors": [s.phone for s in supervisors],
    "watchers": [w.phone for w in watchers],
}))
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the fault suite runs in the PostgreSQL pass (it starts a PostgreSQL of its own)")
    if not postgres_bin("initdb") or not postgres_bin("pg_ctl"):
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    folder = tmp_path_factory.mktemp("faults")
    platform = Platform(folder)
    try:
        platform.up()
        yield platform
    finally:
        platform.down()


def test_no_claim_or_credit_is_lost_or_doubled_and_every_socket_hears_everything(platform):
    world = platform.python(SEED)
    tally = Tally()
    api = Api(platform.ports, tally)
    tokens = {phone: sign_in(api, phone, world["password"]) for phone in world["mothers"]}
    reviewer_tokens = [sign_in(api, phone, world["password"]) for phone in world["supervisors"]]
    followers = [
        Follower(
            [port, *[p for p in platform.ports if p != port]], sign_in(api, phone, world["password"]), world["project"]
        )
        for phone, port in zip(world["watchers"], platform.ports, strict=True)
    ]

    stop, mothers_done, listening = threading.Event(), threading.Event(), threading.Event()
    sockets = run_followers(followers, listening)
    time.sleep(1.5)  # the sockets are ready before the first claim
    mothers = [
        threading.Thread(
            target=mother_works,
            args=(api, token, phone),
            kwargs={"project": world["project"], "slot": world["slot"], "stop": stop},
        )
        for phone, token in tokens.items()
    ]
    reviewers = [
        threading.Thread(target=supervisor_reviews, args=(api, token), kwargs={"stop": stop, "done": mothers_done})
        for token in reviewer_tokens
    ]
    for thread in [*mothers, *reviewers]:
        thread.start()

    time.sleep(3)
    platform.redis.kill()  # Redis goes away under load
    time.sleep(4)
    platform.redis.start()  # and comes back empty
    time.sleep(3)
    platform.postgres.restart()  # every pooled connection dies
    time.sleep(4)
    platform.kill_server(1)  # kill -9, mid-request
    time.sleep(2)
    platform.start_server(1)
    time.sleep(3)
    stop.set()

    for thread in mothers:
        thread.join(timeout=120)
    mothers_done.set()
    for thread in reviewers:
        thread.join(timeout=120)
    time.sleep(8)  # the hubs' accounting rounds and the followers' heartbeats
    listening.set()
    sockets.join(timeout=30)

    print(  # what the run went through, for the reader of a CI log
        f"\nfault run: {len(tally.claims)} claims, statuses {dict(tally.statuses)}, {tally.retries} retries, "
        f"reconnects {[f.reconnects for f in followers]}, resyncs {[f.resyncs for f in followers]}"
    )
    logs = platform.server_logs()
    assert not tally.server_errors, (tally.server_errors[:5], logs[-3000:])
    assert all(not thread.is_alive() for thread in [*mothers, *reviewers])

    with platform.postgres.connect() as db:
        claims = dict(db.execute("SELECT id, task_id FROM tasks_claim WHERE project_id = %s", [world["project"]]))
        live = db.execute(
            "SELECT task_id, count(*) FROM tasks_claim WHERE project_id = %s "
            "AND status IN ('active', 'submitted', 'done') GROUP BY task_id HAVING count(*) > 1",
            [world["project"]],
        ).fetchall()
        submissions = dict(
            db.execute(
                "SELECT claim_id, count(*) FROM tasks_submission WHERE project_id = %s GROUP BY claim_id",
                [world["project"]],
            )
        )
        accepted = dict(
            db.execute(
                "SELECT r.id, r.accepted_units FROM tasks_review r JOIN tasks_submission s ON s.id = r.submission_id "
                "WHERE s.project_id = %s",
                [world["project"]],
            )
        )
        credits = dict(
            db.execute(
                "SELECT t.key, sum(p.amount_fen) FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id "
                "WHERE t.kind = 'earning' AND p.direction = 'C' GROUP BY t.key"
            )
        )
        debits_total, credits_total = db.execute(
            "SELECT coalesce(sum(amount_fen) FILTER (WHERE direction = 'D'), 0), "
            "coalesce(sum(amount_fen) FILTER (WHERE direction = 'C'), 0) FROM ledger_posting"
        ).fetchone()

    # No claim doubled or lost: one live claim per task, and every claim in the database is one a
    # mother was told about (a claim whose answer was lost came back to her on the retry).
    assert live == []
    assert len(claims) > 100
    assert set(claims) == set(tally.claims)
    assert len(set(claims.values())) == len(claims)
    # Every claim handed in exactly once, every submission reviewed.
    assert submissions == dict.fromkeys(claims, 1)
    assert set(tally.submissions) == set(claims)
    assert len(accepted) == len(claims)
    # No credit doubled or missing: one earning per review, of units × rate.
    rate = Decimal(world["rate"])
    expected = {
        f"review:{review}": int((units * rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for review, units in accepted.items()
    }
    assert credits == expected
    assert debits_total == credits_total
    # Every event reached every socket (after its reconnects and resumes).
    for follower in followers:
        missing = sorted(set(claims) - follower.claims)
        if missing:
            with platform.postgres.connect() as db:
                rows = db.execute(
                    "SELECT id, \"group\", at, (data->>'claim')::int FROM realtime_outboxevent "
                    "WHERE type = 'task.claimed' AND \"group\" LIKE 'project.%%' AND (data->>'claim')::int = ANY(%s)",
                    [missing],
                ).fetchall()
            pytest.fail(f"a socket missed claims {missing}: events {rows}; its history {follower.history}")
    assert tally.retries > 0  # the faults were felt (otherwise this proves nothing)

"""The ceiling: the loop's writes as raw SQL, one statement per step (data-modifying CTEs, autocommit,
prepared), on N asyncio psycopg connections, against the draft "raw" project.

- claim: lock her profile row; take the first open task (``FOR UPDATE SKIP LOCKED``); insert the
  claim; count it in the slot; one audit row; three outbox rows (project, company staff, her group);
- submit: the claim → submitted, the task → submitted, insert the submission; one audit row; two
  outbox rows (company staff, her);
- review (accept): the submission → accepted, insert the review, the claim → done, the task →
  accepted; the ledger's earning transaction with its two postings (the company's expense debited,
  her payable credited; the postings first, then the header, whose trigger checks the balance: two
  statements in one transaction, sent in one pipeline); two audit rows (review, credit); four outbox rows (review to her and to
  the staff, the credit to her, the project's progress).

What it leaves out of the app's work: the checks (rules, limits, fair-work hours), the token or
session, the reads of the pages, the idempotency of the ledger key (a unique key still guards it)."""

from __future__ import annotations

import asyncio
import datetime
import time
import uuid

import psycopg
from loop_common import Phase, Stop

CLAIM = """
WITH me AS (SELECT user_id FROM workers_workerprofile WHERE user_id = %(w)s FOR UPDATE),
t AS (
  UPDATE tasks_task SET status = 'claimed', claim_expires_at = %(exp)s, updated_at = now()
  WHERE id = (SELECT id FROM tasks_task WHERE project_id = %(p)s AND status = 'open'
              AND EXISTS (SELECT 1 FROM me) ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING id),
c AS (
  INSERT INTO tasks_claim (status, claimed_at, expires_at, release_reason, release_kind, worker_id,
                           project_id, task_id, slot_id)
  SELECT 'active', now(), %(exp)s, '', '', %(w)s, %(p)s, t.id, %(s)s FROM t RETURNING id, task_id),
a AS (
  INSERT INTO accounts_auditentry (action, target_type, target_id, data, at, actor_id, company_id)
  SELECT 'claim.create', 'tasks.claim', c.id::text, jsonb_build_object('task', c.task_id), now(), %(w)s, %(co)s
  FROM c),
o AS (
  INSERT INTO realtime_outboxevent (type, "group", data, at)
  SELECT 'task.claimed', g, jsonb_build_object('project', %(p)s, 'task', c.task_id, 'slot', %(s)s, 'claim', c.id), now()
  FROM c, unnest(%(groups)s::text[]) g),
s AS (UPDATE tasks_timeslot SET claimed_count = claimed_count + 1 WHERE id = %(s)s AND EXISTS (SELECT 1 FROM c))
SELECT id FROM c
"""

SUBMIT = """
WITH c AS (
  UPDATE tasks_claim SET status = 'submitted' WHERE id = %(c)s AND worker_id = %(w)s AND status = 'active'
  AND expires_at > now() RETURNING id, task_id, project_id),
t AS (UPDATE tasks_task SET status = 'submitted', updated_at = now() WHERE id = (SELECT task_id FROM c)),
sub AS (
  INSERT INTO tasks_submission (status, submitted_units, text, labels, submitted_at, review_due_at, claim_id,
                                project_id, worker_id, task_id)
  SELECT 'pending', 1, %(text)s, '{}'::jsonb, now(), now() + interval '72 hours', c.id, c.project_id, %(w)s, c.task_id
  FROM c RETURNING id, task_id, claim_id),
a AS (
  INSERT INTO accounts_auditentry (action, target_type, target_id, data, at, actor_id, company_id)
  SELECT 'submission.create', 'tasks.submission', sub.id::text, jsonb_build_object('claim', sub.claim_id),
         now(), %(w)s, %(co)s FROM sub),
o AS (
  INSERT INTO realtime_outboxevent (type, "group", data, at)
  SELECT 'submission.created', g, jsonb_build_object('task', sub.task_id, 'submission', sub.id), now()
  FROM sub, unnest(%(groups)s::text[]) g)
SELECT id FROM sub
"""

REVIEW = """
WITH sub AS (
  UPDATE tasks_submission SET status = 'accepted' WHERE id = %(sid)s AND status = 'pending'
  RETURNING id, claim_id, task_id, worker_id, submitted_units),
r AS (
  INSERT INTO tasks_review (decision, accepted_units, reason, score, decided_at, reviewer_id, submission_id)
  SELECT 'accept', sub.submitted_units, '', NULL, now(), %(rv)s, sub.id FROM sub RETURNING id, accepted_units),
c AS (UPDATE tasks_claim SET status = 'done', ended_at = now() WHERE id = (SELECT claim_id FROM sub)),
t AS (
  UPDATE tasks_task SET status = 'accepted', accepted_units = (SELECT submitted_units FROM sub), updated_at = now()
  WHERE id = (SELECT task_id FROM sub)),
pe AS (
  INSERT INTO ledger_posting (direction, amount_fen, created_at, account_id, transaction_id)
  SELECT d, %(fen)s, now(), acct, %(txn)s::uuid FROM r,
         (VALUES ('D', %(expense)s::bigint), ('C', %(payable)s::bigint)) AS legs (d, acct)),
a AS (
  INSERT INTO accounts_auditentry (action, target_type, target_id, data, at, actor_id, company_id)
  SELECT act, tt, tid, '{}'::jsonb, now(), %(rv)s, %(co)s FROM r,
         LATERAL (VALUES ('review.accept', 'tasks.review', r.id::text),
                         ('ledger.credit', 'ledger.transaction', %(txn)s::text)) AS v (act, tt, tid)),
o AS (
  INSERT INTO realtime_outboxevent (type, "group", data, at)
  SELECT ty, g, jsonb_build_object('submission', sub.id), now() FROM sub,
         unnest(%(types)s::text[], %(rgroups)s::text[]) AS e (ty, g))
SELECT id FROM r
"""
# The header last, in the same transaction: its insert trigger checks that the postings balance.
CREDIT = """
INSERT INTO ledger_transaction (id, key, kind, units, memo, created_at, company_id, created_by_id, project_id,
                                task_id, worker_id)
SELECT %(txn)s::uuid, 'raw-review:' || r.id, 'earning', r.accepted_units, 'raw', now(), %(co)s, %(rv)s, %(p)s,
       s.task_id, s.worker_id
FROM tasks_review r JOIN tasks_submission s ON s.id = r.submission_id WHERE s.id = %(sid)s
"""


async def _connections(args, n: int) -> list:
    return [await psycopg.AsyncConnection.connect(args.db_url, autocommit=True) for _ in range(n)]


async def raw_loop(args, data: dict, n: int) -> Phase:
    """claim → submit on N connections, each as one of the mothers, until the deadline."""
    phase, raw = Phase("raw loop", n), data["raw"]
    conns = await _connections(args, n)
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    deadline = time.perf_counter() + args.seconds
    t0 = time.perf_counter()

    async def one(i: int) -> None:
        conn, worker = conns[i], data["mothers"][i]["id"]
        groups = [f"project.{raw['project']}", f"company.{data['company']}.staff", f"worker.{worker}"]
        claim = {"w": worker, "p": raw["project"], "s": raw["slot"], "exp": expires, "co": data["company"]}
        claim["groups"] = groups
        submit = {"w": worker, "co": data["company"], "text": data["text"], "groups": groups[1:]}
        while time.perf_counter() < deadline:
            c0 = time.perf_counter()
            row = await (await conn.execute(CLAIM, claim, prepare=True)).fetchone()
            c1 = time.perf_counter()
            if row is None:
                raise Stop("drained")
            phase.steps["claim"].latencies.append(c1 - c0)
            row = await (await conn.execute(SUBMIT, {**submit, "c": row[0]}, prepare=True)).fetchone()
            phase.steps["submit"].latencies.append(time.perf_counter() - c1)
            phase.ids["submissions"].append(row[0])
            phase.loops += 1
        raise Stop("deadline")

    await _gather(phase, one, conns, t0)
    return phase


async def raw_review(args, data: dict, n: int, submissions: list[tuple[int, int]]) -> Phase:
    """Accept each (submission, worker) once, spread over N connections, each as one supervisor."""
    phase, raw = Phase("raw review", n), data["raw"]
    conns = await _connections(args, n)
    deadline = time.perf_counter() + args.seconds
    t0 = time.perf_counter()
    base = {"co": data["company"], "p": raw["project"], "fen": 1, "expense": data["accounts"]["expense"]}

    async def one(i: int) -> None:
        conn, reviewer = conns[i], data["supervisors"][i]["id"]
        for sid, worker in submissions[i::n]:
            if time.perf_counter() > deadline:
                raise Stop("deadline")
            params = {**base, "sid": sid, "rv": reviewer, "payable": data["accounts"]["payable"][str(worker)]}
            params["types"] = ["review.decided", "review.decided", "ledger.credited", "project.progress"]
            staff, her = f"company.{data['company']}.staff", f"worker.{worker}"
            params["rgroups"] = [her, staff, her, f"project.{raw['project']}"]
            params["txn"] = str(uuid.uuid4())
            r0 = time.perf_counter()
            async with conn.pipeline(), conn.transaction():  # one round trip: BEGIN, both, COMMIT
                await conn.execute(REVIEW, params, prepare=True)
                await conn.execute(CREDIT, params, prepare=True)
            phase.steps["review"].latencies.append(time.perf_counter() - r0)
            phase.loops += 1

    await _gather(phase, one, conns, t0)
    return phase


async def _gather(phase: Phase, one, conns: list, t0: float) -> None:
    """Run ``one`` for each connection at once; the phase's time taken, its connections closed."""

    async def guarded(i: int) -> None:
        try:
            await one(i)
            phase.ends["done"] += 1
        except Stop as why:
            phase.ends[str(why)] += 1

    try:
        await asyncio.gather(*(guarded(i) for i in range(len(conns))))
    finally:
        phase.seconds = time.perf_counter() - t0
        for conn in conns:
            await conn.close()

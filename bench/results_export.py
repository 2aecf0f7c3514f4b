"""Results export: ``GET /api/v1/projects/{id}/results/export`` of a running daphne against ``COPY`` of the
same rows, in the same run.

1. A dedicated PostgreSQL database (``--db-url``, default ``…/homeslot_results_bench``; ``--fresh`` drops it
   first), migrated; in a ``django.setup()`` subprocess: a supervisor with a token, 200 mothers, and two
   labelling projects of ``--small`` (default 10,000) and ``--items`` (default 100,000) items, 50 to a
   task, every task accepted (a claim, a hand-in labelling every item, a review), each item's record a
   company's own fields (text, sku, shop, a nested dict). Tasks, claims, hand-ins and reviews by
   ``bulk_create``; the items by one ``INSERT … SELECT … generate_series``; the hand-ins' labels by one
   ``UPDATE``. Then ``ANALYZE``.
2. One daphne (``DJANGO_DEBUG=0``, ``HOMESLOT_RESULTS_EXPORT_INLINE_MAX`` above both, so every file streams)
   on 127.0.0.1:``--port``. For each project: the export as CSV read to /dev/null, then ``COPY (the same
   rows: task, line, text, the record's fields, status, label, mother, decided at) TO STDOUT (FORMAT csv)``
   through psycopg ``cursor.copy()`` to /dev/null; then XLSX and JSONL. Prints rows/s, the ratio to COPY,
   and the server's peak resident memory (``VmHWM``) after warm-up and after each export, and its growth
   from the small project to the large one (flat memory: the growth does not follow the rows).

    .venv/bin/python bench/results_export.py                    # 10k and 100k items
    .venv/bin/python bench/results_export.py --items 20000 --small 2000   # a quick run
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # database helpers

REPO = Path(__file__).resolve().parents[1]
MOTHERS = 200
PER_TASK = 50


def internal_setup(cfg: dict) -> dict:
    """In a django.setup() process: the people, the two projects and their accepted work."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import datetime
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Company, Membership, Role, User
    from accounts.services import api_token_issue
    from tasks.models import Claim, Kind, Project, ProjectStatus, Review, Submission, Task, TimeSlot

    now = timezone.now()
    supervisor = User.objects.filter(phone="+8613500000001").first() or User.objects.create_user(
        phone="+8613500000001", password="bench-results-pass", display_name="导出审核员"
    )
    mothers = benchlib.bench_mothers("135200", MOTHERS, "标注妈妈")

    def project_with(items: int) -> Project:
        name = f"bench-results-{items}"
        company = Company.objects.filter(name=name).first()
        if company is not None:
            return Project.objects.get(company=company)
        company = Company.objects.create(name=name)
        Membership.objects.create(company=company, user=supervisor, role=Role.SUPERVISOR)
        project = Project.objects.create(
            company=company,
            kind=Kind.LABELLING,
            title=f"评论情感标注 {items}",
            instructions="",
            piece_rate=Decimal("0.0350"),
            unit="条",
            minutes_per_unit=Decimal("0.08"),
            region="广东省佛山市",
            pickup_point="",
            dropoff_point="",
            label_set=["好评", "中评", "差评"],
            status=ProjectStatus.PUBLISHED,
            created_by=supervisor,
            updated_at=now,
        )
        slot = TimeSlot.objects.create(
            project=project, starts_at=now, ends_at=now + datetime.timedelta(hours=2), capacity=10**6
        )
        count = items // PER_TASK
        tasks = Task.objects.bulk_create(
            [
                Task(project=project, number=n, brief="", units=PER_TASK, status="accepted", accepted_units=PER_TASK)
                for n in range(1, count + 1)
            ],
            batch_size=2000,
        )
        claims = Claim.objects.bulk_create(
            [
                Claim(
                    task=t,
                    worker_id=mothers[i % len(mothers)],
                    slot=slot,
                    project=project,
                    claimed_at=now,
                    expires_at=now + datetime.timedelta(hours=2),
                    status="submitted",
                )
                for i, t in enumerate(tasks)
            ],
            batch_size=2000,
        )
        submissions = Submission.objects.bulk_create(
            [
                Submission(
                    claim=c,
                    task=c.task,
                    project=project,
                    worker_id=c.worker_id,
                    submitted_units=PER_TASK,
                    text="",
                    submitted_at=now,
                    review_due_at=now + datetime.timedelta(hours=24),
                    status="accepted",
                )
                for c in claims
            ],
            batch_size=2000,
        )
        Review.objects.bulk_create(
            [
                Review(submission=s, decision="accept", accepted_units=PER_TASK, reason="", decided_at=now)
                for s in submissions
            ],
            batch_size=2000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO tasks_labelitem (task_id, position, source_line, text, payload, expected_label, round)
                SELECT t.id, p, (t.number - 1) * %(per)s + p, '评论 ' || ((t.number - 1) * %(per)s + p),
                       jsonb_build_object('text', '评论 ' || ((t.number - 1) * %(per)s + p),
                                          'sku', 'SKU-' || ((t.number - 1) * %(per)s + p),
                                          'shop', (t.number %% 7),
                                          'meta', jsonb_build_object('channel', '小程序', 'stars', p %% 5)),
                       '', 0
                  FROM tasks_task t, generate_series(1, %(per)s) AS p
                 WHERE t.project_id = %(project)s
                """,
                {"per": PER_TASK, "project": project.pk},
            )
            cursor.execute(
                """
                UPDATE tasks_submission s
                   SET labels = (SELECT jsonb_object_agg(li.id::text, '好评') FROM tasks_labelitem li
                                  WHERE li.task_id = s.task_id)
                 WHERE s.project_id = %s
                """,
                [project.pk],
            )
        return project

    projects = {items: project_with(items) for items in (cfg["small"], cfg["items"])}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    token = api_token_issue(user=supervisor, label="bench")[1]
    return {"token": token, "projects": {str(items): p.pk for items, p in projects.items()}}


def copy_sql(project: int) -> str:
    """The export's rows, formatted by PostgreSQL: the baseline."""
    return f"""COPY (
        SELECT t.number, li.source_line, li.text, li.payload->>'meta', li.payload->>'shop', li.payload->>'sku',
               li.payload->>'text', t.status, s.labels->>(li.id::text), 1, 1.0, s.worker_id, r.decided_at
          FROM tasks_labelitem li
          JOIN tasks_task t ON t.id = li.task_id
          LEFT JOIN tasks_submission s ON s.task_id = t.id AND s.status IN ('accepted', 'partially_accepted', 'rejected')
          LEFT JOIN tasks_review r ON r.submission_id = s.id
         WHERE t.project_id = {int(project)} AND t.status IN ('accepted', 'partially_accepted')
           AND li.expected_label = ''
         ORDER BY t.number, li.position
    ) TO STDOUT (FORMAT csv)"""


def http_export(port: int, token: str, project: int, kind: str) -> tuple[int, int, float]:
    """(rows, bytes, seconds) of one export read to nowhere."""
    lines, size, seconds = benchlib.http_to_nowhere(
        port, token, f"/api/v1/projects/{project}/results/export?format={kind}"
    )
    return lines - (1 if kind == "csv" else 0), size, seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--small", type=int, default=10_000)
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/homeslot_results_bench")
    p.add_argument("--fresh", action="store_true")
    p.add_argument("--port", type=int, default=8132)
    p.add_argument("--internal-setup", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.internal_setup:
        print(json.dumps(internal_setup(json.loads(args.internal_setup))))
        return 0

    benchlib.ensure_database(args.db_url, args.fresh)
    env = benchlib.export_env(args.db_url, HOMESLOT_RESULTS_EXPORT_INLINE_MAX=str(10 * max(args.items, args.small)))
    data = benchlib.migrated_setup(__file__, {"items": args.items, "small": args.small}, env)

    results, memory = [], {}
    sizes = (str(args.small), str(args.items))
    with benchlib.daphne_on(args.port, env) as pid:
        http_export(args.port, data["token"], data["projects"][sizes[0]], "csv")  # warm-up: imports, pools
        memory["after warm-up"] = benchlib.vm_hwm_mb(pid)
        for kind in ("csv", "xlsx", "jsonl"):
            for label in sizes:
                project = data["projects"][label]
                rows, size, seconds = http_export(args.port, data["token"], project, kind)
                memory[f"after {kind} {int(label):,}"] = benchlib.vm_hwm_mb(pid)
                copy_rate = None
                if kind == "csv":
                    copy_rows, _size, copy_seconds = benchlib.copy_to_nowhere(args.db_url, copy_sql(project))
                    assert rows == copy_rows == int(label), (rows, copy_rows, label)
                    copy_rate = copy_rows / copy_seconds
                elif kind == "jsonl":
                    assert rows == int(label), (rows, label)
                results.append((kind, int(label), size, seconds, copy_rate))

    print(f"\n== results export: daphne x1, labelling projects of {args.small:,} and {args.items:,} items")
    print(f"{'format':6} {'rows':>9} {'MB':>7} {'seconds':>8} {'rows/s':>8} {'COPY rows/s':>12} {'ratio':>6}")
    for kind, rows, size, seconds, copy_rate in results:
        rate = rows / seconds
        ratio = f"{rate / copy_rate:.2f}" if copy_rate else "-"
        copy_text = f"{copy_rate:,.0f}" if copy_rate else "-"
        print(f"{kind:6} {rows:>9,} {size / 1e6:>7.1f} {seconds:>8.1f} {rate:>8,.0f} {copy_text:>12} {ratio:>6}")
    print("server peak RSS (VmHWM): " + ", ".join(f"{k} {v:.1f} MB" for k, v in memory.items()))
    for kind in ("csv", "xlsx", "jsonl"):
        growth = memory[f"after {kind} {args.items:,}"] - memory[f"after {kind} {args.small:,}"]
        print(f"peak memory growth {args.small:,} → {args.items:,} rows, {kind}: {growth:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

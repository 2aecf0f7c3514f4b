"""Labelling split: 100,000 items (JSONL) through the project's own split, against raw inserts.

In a ``django.setup()`` process on the database ``DATABASE_URL`` points at (default: a dedicated
PostgreSQL database, ``--db-url``; ``--sqlite`` uses a fresh SQLite file instead):

1. app: ``tasks.services.project_split`` on a labelling project (parse, validate every line,
   create the tasks and their label items in one transaction) — what the background split job runs;
2. baseline, same run: the same rows written without the app — one ``executemany`` of the tasks
   and one of the items through the database cursor, in one transaction.

Prints both times and the ratio.

    .venv/bin/python bench/split.py                  # PostgreSQL
    .venv/bin/python bench/split.py --sqlite         # the embedded default
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # database helpers

REPO = Path(__file__).resolve().parents[1]


def internal(items: int, per: int) -> dict:
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from accounts.models import Company, Membership, Role, User
    from tasks import services, splitting
    from tasks.models import LabelItem, Task

    supervisor = User.objects.filter(phone="+8613600000001").first() or User.objects.create_user(
        phone="+8613600000001", password="bench-split-pass", display_name="拆分审核员"
    )
    company = Company.objects.create(name=f"bench-split-{time.time_ns()}")
    Membership.objects.create(company=company, user=supervisor, role=Role.SUPERVISOR)

    def project():
        return services.project_create(
            actor=supervisor,
            company_id=company.pk,
            kind="labelling",
            title="评论标注",
            piece_rate=Decimal("0.05"),
            minutes_per_unit=Decimal("0.1"),
            label_set=["好评", "中评", "差评"],
            region="广东省佛山市",
        )

    lines = [
        json.dumps({"text": f"第{i}条评论：包装完好，物流很快，孩子很喜欢"}, ensure_ascii=False) for i in range(items)
    ]
    body = "\n".join(lines).encode()

    app_project = project()
    started = time.perf_counter()
    tasks = services.project_split(
        actor=supervisor,
        project_id=app_project.pk,
        max_tasks=items,
        file=SimpleUploadedFile("reviews.jsonl", body),
        items_per_task=per,
    )
    app_seconds = time.perf_counter() - started
    assert LabelItem.objects.filter(task__project=app_project).count() == items

    raw_project = project()
    specs = splitting.split_labelling(
        raw=body, filename="reviews.jsonl", items_per_task=per, text_field="text", max_tasks=items
    )
    task_table, item_table = Task._meta.db_table, LabelItem._meta.db_table
    now = app_project.created_at
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {task_table} (project_id, number, brief, units, status, accepted_units, created_at, updated_at)"
            " VALUES (%s, %s, '', %s, 'open', 0, %s, %s)",
            [(raw_project.pk, n, spec.units, now, now) for n, spec in enumerate(specs, start=1)],
        )
        ids = dict(Task.objects.filter(project=raw_project).values_list("number", "pk"))
        cursor.executemany(
            f"INSERT INTO {item_table} (task_id, position, source_line, text, payload) VALUES (%s, %s, %s, %s, %s)",
            [
                (ids[n], pos, item["line"], item["text"], json.dumps(item["payload"], ensure_ascii=False))
                for n, spec in enumerate(specs, start=1)
                for pos, item in enumerate(spec.items, start=1)
            ],
        )
    raw_seconds = time.perf_counter() - started
    return {
        "vendor": connection.vendor,
        "items": items,
        "tasks": len(tasks),
        "mb": len(body) / 1e6,
        "app_s": app_seconds,
        "raw_s": raw_seconds,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--per", type=int, default=50, help="items per task")
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/homeslot_split_bench")
    p.add_argument("--sqlite", action="store_true")
    p.add_argument("--internal", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.internal:
        print(json.dumps(internal(args.items, args.per)))
        return 0
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", HOMESLOT_LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    if args.sqlite:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "split.sqlite3")
    else:
        benchlib.ensure_database(args.db_url, fresh=True)
        env["DATABASE_URL"] = args.db_url
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    out = subprocess.run(
        [sys.executable, __file__, "--internal", "--items", str(args.items), "--per", str(args.per)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"== labelling split on {r['vendor']}: {r['items']:,} items ({r['mb']:.1f} MB JSONL) → {r['tasks']:,} tasks")
    print(f"app (project_split)   {r['app_s']:6.2f} s  {r['items'] / r['app_s']:>9,.0f} items/s")
    print(f"raw (executemany)     {r['raw_s']:6.2f} s  {r['items'] / r['raw_s']:>9,.0f} items/s")
    print(f"ratio app/raw time: {r['app_s'] / r['raw_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

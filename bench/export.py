"""Ledger export: the CSV endpoint of a running daphne against ``COPY (the same query) TO STDOUT``.

1. A dedicated PostgreSQL database (``--db-url``, default ``…/homeslot_export_bench``; ``--fresh``
   drops it first), migrated; in a ``django.setup()`` subprocess: a finance user with a token, 1,000
   mothers, and two companies whose ledgers hold ``--small`` (default 100,000) and ``--rows``
   (default 1,000,000) postings in October 2026 (earning transactions of two postings each,
   inserted by SQL with the ledger's guard triggers off for the load only). The same subprocess
   prints the endpoint's own statement (``ledger.exports.ledger_copy_statement``: on PostgreSQL the
   export is a ``COPY`` of a SELECT that formats, masks and neutralises every cell).
2. One daphne (``DJANGO_DEBUG=0``) on 127.0.0.1:``--port``. For each company: ``GET
   /api/v1/ledger/export?company=…&from=2026-10-01&to=2026-10-31&format=csv`` read to /dev/null,
   then the same statement through psycopg ``cursor.copy()`` straight to /dev/null. Prints rows/s of both, the ratio, and the server's peak resident memory
   (``VmHWM``) after warm-up, after the small export and after the large one. Then the XLSX
   export of each (``--no-xlsx`` skips it), beside them.

Goals (finance issue): CSV/COPY ratio ≥ 0.5; peak memory growth from 100k to 1M rows ≤ 16 MB.

    .venv/bin/python bench/export.py                 # 100k and 1M rows, CSV and XLSX
    .venv/bin/python bench/export.py --rows 200000 --small 20000 --no-xlsx   # a quick run
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # database helpers

REPO = Path(__file__).resolve().parents[1]
PERIOD = ("2026-10-01", "2026-10-31")
MOTHERS = 1000


def internal_setup(cfg: dict) -> dict:
    """In a django.setup() process: users, companies, postings, and the export query's SQL."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    import datetime

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Company, Membership, Role, User
    from accounts.services import api_token_issue
    from ledger.exports import ledger_copy_statement
    from ledger.models import Account, AccountKind, Posting

    def company_with(rows: int) -> Company:
        name = f"bench-export-{rows}"
        company = Company.objects.filter(name=name).first()
        if company is not None:
            return company
        company = Company.objects.create(name=name)
        Membership.objects.create(company=company, user=finance, role=Role.FINANCE)
        Account.objects.create(company=company, kind=AccountKind.EXPENSE)
        Account.objects.bulk_create([Account(company=company, kind=AccountKind.PAYABLE, worker_id=w) for w in mothers])
        expense = Account.objects.get(company=company, kind=AccountKind.EXPENSE).pk
        start = timezone.make_aware(datetime.datetime(2026, 10, 1, 0, 0, 1))
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # the load only: guards off
            cursor.execute(
                """
                WITH t AS (
                    INSERT INTO ledger_transaction (id, key, kind, company_id, worker_id, units, memo, created_at)
                    SELECT gen_random_uuid(), %(tag)s || g, 'earning', %(company)s,
                           (%(workers)s::bigint[])[1 + g %% %(n_workers)s], 1, '计件收入 #' || g,
                           %(start)s::timestamptz + g * interval '2 seconds'
                      FROM generate_series(1, %(n)s) AS g
                    RETURNING id, worker_id, created_at
                )
                INSERT INTO ledger_posting (transaction_id, account_id, direction, amount_fen, created_at)
                SELECT id, %(expense)s, 'D', 50, created_at FROM t
                UNION ALL
                SELECT t.id, a.id, 'C', 50, t.created_at
                  FROM t JOIN ledger_account a
                    ON a.worker_id = t.worker_id AND a.company_id = %(company)s AND a.kind = 'payable'
                """,
                {
                    "tag": f"bench-{rows}-",
                    "company": company.pk,
                    "workers": mothers,
                    "n_workers": len(mothers),
                    "start": start,
                    "n": rows // 2,
                    "expense": expense,
                },
            )
            cursor.execute("SET session_replication_role = DEFAULT")
        return company

    finance = User.objects.filter(phone="+8613500000000").first() or User.objects.create_user(
        phone="+8613500000000", password="bench-export-pass", display_name="导出财务"
    )
    mothers = benchlib.bench_mothers("135100", MOTHERS, "测试妈妈")
    token = api_token_issue(user=finance, label="bench")[1]
    companies = {rows: company_with(rows) for rows in (cfg["small"], cfg["rows"])}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for every table the export joins
    out = {"token": token, "companies": {}}
    for rows, company in companies.items():
        window = {
            "company_ids": [company.pk],
            "since": timezone.make_aware(datetime.datetime(2026, 10, 1)),
            "before": timezone.make_aware(datetime.datetime(2026, 11, 1)),
        }
        with connection.cursor() as cursor:
            literal = ledger_copy_statement(cursor.connection, **window)  # the endpoint's own COPY
        count = Posting.objects.filter(
            account__company_id=company.pk, created_at__gte=window["since"], created_at__lt=window["before"]
        ).count()
        out["companies"][str(rows)] = {"id": company.pk, "rows": count, "sql": literal}
    return out


def http_export(port: int, token: str, company: int, kind: str) -> tuple[int, int, float]:
    """(data rows, bytes, seconds) of one export read to nowhere."""
    path = f"/api/v1/ledger/export?company={company}&from={PERIOD[0]}&to={PERIOD[1]}&format={kind}"
    lines, size, seconds = benchlib.http_to_nowhere(port, token, path)
    return lines - 1, size, seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--small", type=int, default=100_000)
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/homeslot_export_bench")
    p.add_argument("--fresh", action="store_true")
    p.add_argument("--port", type=int, default=8131)
    p.add_argument("--no-xlsx", action="store_true")
    p.add_argument("--internal-setup", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.internal_setup:
        print(json.dumps(internal_setup(json.loads(args.internal_setup))))
        return 0

    benchlib.ensure_database(args.db_url, args.fresh)
    env = benchlib.export_env(args.db_url)
    data = benchlib.migrated_setup(__file__, {"rows": args.rows, "small": args.small}, env)

    results = []
    with benchlib.daphne_on(args.port, env) as pid:
        small = data["companies"][str(args.small)]
        http_export(args.port, data["token"], small["id"], "csv")  # warm-up: imports, pools
        memory = {"after warm-up": benchlib.vm_hwm_mb(pid)}
        for label in (str(args.small), str(args.rows)):
            company = data["companies"][label]
            rows, size, seconds = http_export(args.port, data["token"], company["id"], "csv")
            memory[f"after {int(label):,} rows"] = benchlib.vm_hwm_mb(pid)
            copy_rows, copy_size, copy_seconds = benchlib.copy_to_nowhere(args.db_url, company["sql"])
            assert rows == company["rows"] == copy_rows, (rows, company["rows"], copy_rows)
            results.append(("csv", label, rows, size, seconds, copy_rows / copy_seconds, copy_size))
        if not args.no_xlsx:
            for label in (str(args.small), str(args.rows)):
                company = data["companies"][label]
                rows, size, seconds = http_export(args.port, data["token"], company["id"], "xlsx")
                memory[f"after xlsx {int(label):,} rows"] = benchlib.vm_hwm_mb(pid)
                results.append(("xlsx", label, company["rows"], size, seconds, None, None))

    print(f"\n== ledger export: daphne x1, {args.small:,} and {args.rows:,} postings")
    print(f"{'format':6} {'rows':>10} {'MB':>8} {'seconds':>8} {'rows/s':>9} {'COPY rows/s':>12} {'ratio':>6}")
    for kind, _label, rows, size, seconds, copy_rate, _copy_size in results:
        rate = rows / seconds
        ratio = f"{rate / copy_rate:.2f}" if copy_rate else "-"
        copy_text = f"{copy_rate:,.0f}" if copy_rate else "-"
        print(f"{kind:6} {rows:>10,} {size / 1e6:>8.1f} {seconds:>8.1f} {rate:>9,.0f} {copy_text:>12} {ratio:>6}")
    print("server peak RSS (VmHWM): " + ", ".join(f"{k} {v:.1f} MB" for k, v in memory.items()))
    growth = memory[f"after {args.rows:,} rows"] - memory[f"after {args.small:,} rows"]
    big_csv = next(r for r in results if r[0] == "csv" and r[1] == str(args.rows))
    ratio = (big_csv[2] / big_csv[4]) / big_csv[5]
    print(
        f"goals: CSV/COPY ratio >= 0.5: {ratio:.2f} {'OK' if ratio >= 0.5 else 'MISSED'}; "
        f"peak memory growth 100k→1M <= 16 MB: {growth:.1f} MB {'OK' if growth <= 16 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

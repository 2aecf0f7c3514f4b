"""The claim storm's data, built through the project's services in a ``django.setup()`` subprocess
(``claim_storm.py --internal-setup``)."""

from __future__ import annotations

import os
import secrets
import sys
import time

from benchlib import REPO

HISTORY_COMPANY = "bench-history"
PHONE_BASE = 13900000000  # bench users: 139xxxxxxxx, counting up across runs


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

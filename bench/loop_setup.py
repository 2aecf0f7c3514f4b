"""The loop bench's data, built through the project's services in a ``django.setup()`` subprocess
(``loop.py --internal-setup``), and what each step costs in SQL, measured in-process."""

from __future__ import annotations

import os
import secrets
import sys
import time

from benchlib import REPO

PHONE_BASE = 13600000000  # loop bench users: 136xxxxxxxx (claim_storm uses 139…, fanout 137…)
PASSWORD = "bench-loop-Pw-2718"  # one hash for every bench account (Argon2 once, not 130 times)
TEXT = "这款保温杯很好用，一整天都是热水。"  # a hand-in: copywriting, one short sentence
REGION = "广东省佛山市"


def internal_setup(cfg: dict) -> dict:
    """Runs inside a subprocess with DATABASE_URL set: build data with the project's services."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import datetime

    import django

    django.setup()
    # lazy: the models and services load only after django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import api_token_issue, company_create, membership_set
    from ledger.models import AccountKind
    from ledger.services import account_for
    from tasks import services as ts
    from tasks.models import Project, ProjectStatus
    from workers.services import availability_replace, worker_profile_save

    # Earlier runs' projects leave the hall: every mother sees every published project.
    for project in Project.objects.filter(status=ProjectStatus.PUBLISHED, company__name__startswith="bench-loop-"):
        ts.project_transition(actor=project.created_by, project_id=project.pk, action="close")

    last = User.objects.filter(phone__startswith="+86136").order_by("-phone").values_list("phone", flat=True).first()
    next_phone = [int(last[3:]) + 1 if last else PHONE_BASE]
    hashed = make_password(PASSWORD)

    # Tomorrow (local): her hours 07:00–21:00; slot "in" 08:00–20:00 fits them, slot "out" 21:30–23:30
    # does not (claiming it needs confirm_outside_availability).
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    def at(hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(hour, minute)))

    window = [{"weekday": tomorrow.weekday(), "start": datetime.time(7), "end": datetime.time(21)}]

    def new_user(name: str) -> tuple[User, str]:
        user = User.objects.create_user(str(next_phone[0]), password=None, display_name=name)
        next_phone[0] += 1
        user.password = hashed
        user.save(update_fields=["password"])
        return user, api_token_issue(user=user, label="bench")[1]

    def new_mother(name: str) -> tuple[User, str]:
        user, token = new_user(name)
        worker_profile_save(user=user, display_name=name, region=REGION, city="佛山", children_under_12=0)
        availability_replace(user=user, windows=window)
        return user, token

    run = f"{int(time.time())}-{secrets.token_hex(2)}"
    company = company_create(name=f"bench-loop-{run}")
    sups = [new_user(f"loop supervisor {i}") for i in range(cfg["supervisors"])]
    for sup, _token in sups:
        membership_set(actor=None, company=company, user=sup, role=Role.SUPERVISOR)
    actor = sups[0][0]
    mothers = [new_mother(f"loop mother {i}") for i in range(cfg["mothers"])]

    def project(title: str, tasks: int, slot_hours: tuple, publish: bool = True) -> dict:
        made = ts.project_create(
            actor=actor,
            company_id=company.pk,
            kind="copywriting",
            title=f"{title} {run}",
            # Tiny units: a bench mother hands in thousands a day, far past the part-time hours a
            # real one may take (fairwork); the pay still clears the region's floor.
            piece_rate="0.0100",
            minutes_per_unit="0.01",
            region=REGION,
            claim_limit=720,
            grace_minutes=30,
        )
        ts.project_split(actor=actor, project_id=made.pk, briefs=[f"为保温杯写一句广告语 #{i}" for i in range(tasks)])
        slots = {
            name: ts.slot_create(actor=actor, project_id=made.pk, starts_at=at(*a), ends_at=at(*b), capacity=100000).pk
            for name, (a, b) in slot_hours.items()
        }
        if publish:
            ts.project_transition(actor=actor, project_id=made.pk, action="publish")
        return {"project": made.pk, **slots}

    inside, outside = ((8, 0), (20, 0)), ((21, 30), (23, 30))
    n = cfg["tasks"]
    out = {
        "run": run,
        "company": company.pk,
        "api": project("loop api", n, {"slot": inside}),
        "confirm": project("loop api confirm", n, {"slot": outside}),
        "pages": project("loop pages", n, {"slot": inside}),
        # Raw SQL works on its own project, left a draft: no mother sees it in her hall.
        "raw": project("loop raw", cfg["raw_tasks"], {"slot": inside}, publish=False),
        "mothers": [{"id": u.pk, "phone": u.phone[3:], "token": t} for u, t in mothers],
        "supervisors": [{"id": u.pk, "phone": u.phone[3:], "token": t} for u, t in sups],
        "password": PASSWORD,
        "text": TEXT,
    }
    out["accounts"] = {
        "expense": account_for(company_id=company.pk, kind=AccountKind.EXPENSE).pk,
        "payable": {
            str(u.pk): account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=u.pk).pk
            for u, _t in mothers
        },
    }
    probe = project("loop probe", 8, {"slot": inside, "out": outside})
    prober, _token = new_mother("loop probe mother")
    out["sql"] = sql_per_step(probe, prober, actor)
    ts.project_transition(actor=actor, project_id=probe["project"], action="close")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return out


def sql_per_step(probe: dict, mother, supervisor) -> dict:
    """Each step once through Django's test client (in-process, the bench database), twice over:
    the second round's statements (warm, as in a running server) per step: {step: [sql, …]}."""
    # lazy: after django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.services import api_token_issue
    from tasks.models import Task

    project, slot, out_slot = probe["project"], probe["slot"], probe["out"]
    api_mother, api_sup = APIClient(), APIClient()
    api_mother.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=mother, label='probe')[1]}")
    api_sup.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=supervisor, label='probe')[1]}")
    page_mother, page_sup = Client(), Client()
    for client, user in ((page_mother, mother), (page_sup, supervisor)):
        answer = client.post("/signin/?mode=password", {"phone": user.phone[3:], "password": PASSWORD})
        assert answer.status_code == 302, f"page sign-in answered {answer.status_code}"
    found: dict = {}

    def step(name: str, call, ok=(200, 201, 302)):
        with CaptureQueriesContext(connection) as ctx:
            response = call()
        if response.status_code not in ok:
            raise RuntimeError(f"probe {name}: HTTP {response.status_code} {response.content[:300]!r}")
        found[name] = [q["sql"] for q in ctx.captured_queries]
        return response

    for _round in range(2):
        step("floor api", lambda: api_mother.get("/api/v1/me"))
        step("floor page", lambda: page_sup.get("/work/review/count"))
        claimed = step(
            "claim-next",
            lambda: api_mother.post(f"/api/v1/projects/{project}/claim-next", {"slot": slot}, format="json"),
        ).json()
        sub = step(
            "submit",
            lambda c=claimed: api_mother.post(f"/api/v1/claims/{c['id']}/submit", {"text": TEXT}, format="json"),
        ).json()
        step(
            "review",
            lambda s=sub: api_sup.post(f"/api/v1/submissions/{s['id']}/review", {"decision": "accept"}, format="json"),
        )
        body = {"slot": out_slot, "confirm_outside_availability": True}
        claimed = step(
            "claim-next confirm",
            lambda b=body: api_mother.post(f"/api/v1/projects/{project}/claim-next", b, format="json"),
        ).json()
        step(
            "submit",
            lambda c=claimed: api_mother.post(f"/api/v1/claims/{c['id']}/submit", {"text": TEXT}, format="json"),
        )
        step("hall", lambda: page_mother.get("/m/"))
        task = Task.objects.filter(project_id=project, status="open").order_by("pk").values_list("pk", flat=True)[0]
        where = step("claim", lambda t=task: page_mother.post(f"/m/tasks/{t}/claim", {"slot": slot}))["Location"]
        claim_id = int(where.rstrip("/").rsplit("/", 1)[1])
        step("claim page", lambda w=where: page_mother.get(w))
        where = step(
            "hand-in",
            lambda c=claim_id: page_mother.post(f"/m/claims/{c}/submit", {"text": TEXT, "handed_in_after": 0}),
        )["Location"]
        step("my tasks", lambda w=where: page_mother.get(w))
        where = step("review queue", lambda: page_sup.get(f"/work/review/?project={project}"))["Location"]
        submission = int(where.split("?")[0].rstrip("/").rsplit("/", 1)[1])
        step("review page", lambda w=where: page_sup.get(w))
        decide = {"decision": "accept", "project": project}
        step("decide", lambda s=submission, d=decide: page_sup.post(f"/work/review/{s}/decide?project={project}", d))
    return found

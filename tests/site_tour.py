"""A small installation with something on every page, and the main pages of each role: what the CSP
tests walk (tests/test_content_security.py with Django's client, tests/browser/test_content_security.py
in Chromium)."""

import datetime

import time_machine
from django.utils import timezone

from accounts.models import Role
from ledger import adjustments, payouts, periods
from standards.services import programme_observer_save
from tasks import services
from tasks.models import Kind
from tests import factories


def build_site() -> dict:
    company = factories.CompanyFactory(name="示例制衣厂")
    admin = factories.staff(company, Role.ADMIN)
    supervisor = factories.staff(company, Role.SUPERVISOR)
    finance = factories.staff(company, Role.FINANCE)
    mother = factories.mother()
    mother.worker_profile.youngest_birth_year = 2022  # a complete profile: her pages, not the first-run setup
    mother.worker_profile.save()
    projects = {
        kind: factories.project(supervisor, company, kind=kind, tasks=2, units_per_task=3, claim_limit=3)
        for kind in (Kind.ASSEMBLY, Kind.COPYWRITING, Kind.LABELLING)
    }
    slots = {kind: factories.slot(supervisor, project) for kind, project in projects.items()}
    claims = {
        kind: services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slots[kind].pk, confirm_outside_availability=True
        )
        for kind, project in projects.items()
    }
    other = factories.mother()
    handed_in = services.task_claim_next(
        worker=other,
        project_id=projects[Kind.COPYWRITING].pk,
        slot_id=slots[Kind.COPYWRITING].pk,
        confirm_outside_availability=True,
    )
    submission = services.claim_submit(worker=other, claim_id=handed_in.pk, text="纯棉面料，柔软亲肤。")
    factories.worked_for(company, mother)
    start, end = periods.last_ended_half_month(timezone.localdate())
    with time_machine.travel(periods.day_start(start) + datetime.timedelta(hours=10), tick=False):
        adjustments.adjustment_post(
            actor=finance, company_id=company.pk, worker_id=mother.pk, amount_fen=4_250, reason="奖励"
        )
    batch = payouts.payout_draft(actor=finance, company_id=company.pk, period_start=start, period_end=end)
    assembly = projects[Kind.ASSEMBLY]
    observer = factories.UserFactory()
    programme_observer_save(actor=None, user_id=observer.pk, body="广东省妇女联合会", regions=["广东省"])
    return {
        "users": {"mother": mother, "admin": admin, "finance": finance, "programme": observer},
        "claims": claims,
        "pages": {
            None: [
                "/",
                "/signin/",
                "/signin/?mode=password",
                "/signup/",
                "/signup/company/",
                "/password-reset/",
                "/legal/terms/",
                "/legal/privacy/",
                "/api/docs/",
                "/admin/login/",
                "/no-such-page/",
                f"/companies/{company.pk}/",
            ],
            "mother": [
                "/m/",
                "/m/claims/",
                *(f"/m/claims/{claim.pk}/" for claim in claims.values()),
                "/m/earnings/",
                "/m/hours/",
                "/m/setup/",
                "/m/growth/",
                "/m/relatives/",
            ],
            "admin": [
                "/work/",
                "/work/projects/new",
                f"/work/projects/{assembly.pk}/",
                f"/work/projects/{assembly.pk}/edit",
                f"/work/projects/{assembly.pk}/slots",
                *(
                    f"/work/projects/{factories.project(supervisor, company, kind=kind, tasks=1, publish=False).pk}/split"
                    for kind in Kind.values
                ),
                f"/work/review/{submission.pk}/",
                "/work/company/",
                "/work/webhooks/",
                "/work/skills/",
                "/work/appeals/",
                f"/work/workers/{mother.pk}/",
            ],
            "finance": [
                "/finance/",
                "/finance/batches/",
                f"/finance/batches/{batch.pk}/",
                "/finance/reconciliation/",
            ],
            "programme": ["/programme/"],
        },
    }

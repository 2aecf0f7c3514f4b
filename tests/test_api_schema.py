"""The whole API against its own OpenAPI schema (schemathesis), as each role: no answer is a 5xx,
every status, content type and body is the one the schema documents.

Each operation gets generated requests (a bounded number: ``HOMESLOT_SCHEMATHESIS_EXAMPLES``, 8 by
default, so CI stays fast) from an anonymous caller, a mother, a supervisor, a company admin and
finance staff, against a world of real objects: most path ids are swapped for ids that exist (a
project, a claim, a batch…), so requests reach the services, not only the 404s. PostgreSQL only:
it is run in CI's PostgreSQL pass.
"""

import datetime
import json
import os
import uuid

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.renderers import JSONRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken, Role
from ledger import adjustments, payouts
from ledger.models import AdjustmentRequest, LedgerExport, PayoutBatch, Transaction
from tasks import services
from tasks.models import Appeal, Claim, Kind, SplitJob, Submission
from tests import factories

EXAMPLES = int(os.environ.get("HOMESLOT_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
APP = WSGIHandler()


def _schema():
    from drf_spectacular.generators import SchemaGenerator

    generated = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(JSONRenderer().render(generated)))


schema = _schema()


@pytest.fixture(params=["anonymous", "mother", "supervisor", "admin", "finance"])
def role(request):
    return request.param


@pytest.fixture(autouse=True)
def _requests_share_the_test_connection():
    """As Django's test client does: a request must not close the test transaction's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(on_postgres, company, other_company):
    """Something of every kind the API names by id, for each role to try its hand at."""
    people = {
        "mother": factories.mother(),
        "supervisor": factories.staff(company, Role.SUPERVISOR),
        "admin": factories.staff(company, Role.ADMIN),
        "finance": factories.staff(company, Role.FINANCE),
    }
    second_finance = factories.staff(company, Role.FINANCE)
    mother = people["mother"]
    today = timezone.localdate()
    # Last week's work, accepted and credited: a closed period finance can draft a batch for.
    with time_machine.travel(timezone.now() - datetime.timedelta(days=8), tick=False):
        earlier = factories.project(people["supervisor"], company, tasks=2)
        earlier_slot = factories.slot(people["supervisor"], earlier)
        done = services.task_claim_next(worker=factories.mother(), project_id=earlier.pk, slot_id=earlier_slot.pk)
        handed = services.claim_submit(worker=done.worker, claim_id=done.pk, completed_units=10)
        services.submission_review(actor=people["supervisor"], submission_id=handed.pk, decision="accept")
    batch = payouts.payout_draft(
        actor=second_finance,
        company_id=company.pk,
        period_start=today - datetime.timedelta(days=10),
        period_end=today - datetime.timedelta(days=1),
    )
    # Today's work: a project of each kind, her live claim, someone's submission waiting for review.
    projects = [factories.project(people["supervisor"], company, kind=kind, tasks=3) for kind in Kind.values]
    theirs = factories.project(factories.staff(other_company, Role.SUPERVISOR), other_company, tasks=1)
    slots = [factories.slot(people["supervisor"], project) for project in projects]
    assembly = next(i for i, p in enumerate(projects) if p.kind == Kind.ASSEMBLY)
    services.task_claim_next(worker=mother, project_id=projects[assembly].pk, slot_id=slots[assembly].pk)
    other = services.task_claim_next(
        worker=factories.mother(), project_id=projects[assembly].pk, slot_id=slots[assembly].pk
    )
    services.claim_submit(worker=other.worker, claim_id=other.pk, completed_units=10)
    # Her rejected work, appealed: an appeal to list and decide, and a rejected submission to appeal.
    appealed = factories.project(people["supervisor"], company, tasks=2)
    appealed_slot = factories.slot(people["supervisor"], appealed)
    for _round in range(2):
        turned = services.task_claim_next(worker=mother, project_id=appealed.pk, slot_id=appealed_slot.pk)
        handed = services.claim_submit(worker=mother, claim_id=turned.pk, completed_units=10)
        services.submission_review(actor=people["admin"], submission_id=handed.pk, decision="reject", reason="不合格")
    services.submission_appeal(worker=mother, submission_id=handed.pk, reason="请再看一下")
    factories.worked_for(company, mother)
    adjustments.adjustment_request(
        actor=people["finance"], company_id=company.pk, worker_id=mother.pk, amount_fen=90000, reason="奖励"
    )
    export = LedgerExport.objects.create(
        company=company, requested_by=people["finance"], period_start=today, period_end=today
    )
    tokens = {name: factories.api_token_for(user) for name, user in people.items()}
    ids = {
        "projects": [p.pk for p in [*projects, earlier, theirs]],
        "tasks": [t.pk for p in projects for t in p.tasks.all()[:2]],
        "claims": [c.pk for c in Claim.objects.all()],
        "submissions": [s.pk for s in Submission.objects.all()],
        "payouts": [b.pk for b in PayoutBatch.objects.all()],
        "companies": [company.pk, other_company.pk],
        "members": [user.pk for user in people.values()],
        "adjustments": [a.pk for a in AdjustmentRequest.objects.all()],
        "transactions": [str(t.pk) for t in Transaction.objects.all()],
        "exports": [str(export.pk)],
        "split-jobs": [str(j.pk) for j in SplitJob.objects.all()] or [str(uuid.uuid4())],
        "tokens": [t.pk for t in ApiToken.objects.all()],
        "notices": list(mother.notices.values_list("pk", flat=True)) or [1],
        "appeals": list(Appeal.objects.values_list("pk", flat=True)),
    }
    return {"tokens": tokens, "ids": ids, "batch": batch}


# Which of the world's ids a path's ``{id}`` (or ``{user_id}``) names, by the path's first word.
ID_KINDS = {
    "projects": "projects",
    "tasks": "tasks",
    "claims": "claims",
    "submissions": "submissions",
    "payouts": "payouts",
    "companies": "companies",
    "split-jobs": "split-jobs",
    "me/tokens": "tokens",
    "me/notices": "notices",
    "appeals": "appeals",
    "ledger/adjustments": "adjustments",
    "ledger/transactions": "transactions",
    "ledger/exports": "exports",
}


def _real_ids(case, ids: dict) -> None:
    """Two requests in three name objects that exist (chosen by the generated value, so a failing
    example replays the same), the third keeps what was generated."""
    path = case.operation.path.removeprefix("/api/v1/")
    kind = next((kind for prefix, kind in ID_KINDS.items() if path.startswith(prefix + "/")), None)
    for name, value in list((case.path_parameters or {}).items()):
        choice = abs(hash(str(value)))
        if kind is None or choice % 3 == 0:
            continue
        pool = ids["members"] if name == "user_id" else ids[kind]
        case.path_parameters[name] = pool[choice % len(pool)]


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_every_answer_is_documented_and_none_is_a_server_error(case, role, world):
    _real_ids(case, world["ids"])
    headers = {} if role == "anonymous" else {"Authorization": f"Token {world['tokens'][role]}"}
    case.call_and_validate(app=APP, headers=headers, checks=CHECKS)

"""Real threads against PostgreSQL: two staff members deciding one appeal at once decide it once, and
the difference is credited once (``appeal:<id>``); her appeal sent twice at once opens one appeal."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Role
from ledger.models import Transaction
from notices.models import Notice, NoticeKind
from tasks import services
from tasks.models import Appeal, AppealStatus, Task
from tests import factories
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def rejected(on_postgres, company, supervisor, mother, assembly, slot):
    claim = services.task_claim_next(worker=mother, project_id=assembly.pk, slot_id=slot.pk)
    submission = services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="不合格")
    return submission


def test_two_deciders_at_once_decide_once_and_credit_once(company, mother, rejected):
    deciders = [factories.staff(company, Role.SUPERVISOR), factories.staff(company, Role.ADMIN)]
    appeal = services.submission_appeal(worker=mother, submission_id=rejected.pk, reason="请再看一下")

    def decide(i):
        body = {"decision": "overturn", "reason": f"复核合格 {i}"}
        return client_for(deciders[i]).post(f"/api/v1/appeals/{appeal.pk}/decide", body, format="json").status_code

    results = at_once(2, decide)

    assert sorted(results) == [200, 409]
    assert list(Transaction.objects.filter(key=f"appeal:{appeal.pk}").values_list("units", flat=True)) == [10]
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.OVERTURNED
    assert AuditEntry.objects.filter(action="appeal.overturn").count() == 1
    assert Notice.objects.filter(kind=NoticeKind.APPEAL_DECIDED, user=mother).count() == 1
    assert Task.objects.get(pk=rejected.task_id).accepted_units == 10


def test_her_appeal_sent_twice_at_once_opens_one(mother, rejected):
    def send(i):
        body = {"reason": "请再看一下"}
        return client_for(mother).post(f"/api/v1/submissions/{rejected.pk}/appeal", body, format="json").status_code

    results = at_once(2, send)

    assert sorted(results) == [201, 409]
    assert Appeal.objects.filter(submission=rejected).count() == 1

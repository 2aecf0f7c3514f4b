"""What a review costs the database (issue 15): the supervisor's API request and her page's decide,
as the loop bench sends them, counted statement by statement — with and without BEGIN, COMMIT and
savepoints (inside the test's transaction a request's own is a savepoint: one SAVEPOINT and one
RELEASE for its BEGIN and COMMIT), its commit hooks run as in a server. Everything a review
writes is still written: the review, the three state changes, the credit, the audit rows, the
events and her notice."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from ledger.models import Transaction
from notices.models import Notice
from realtime.models import OutboxEvent
from tasks import services
from tasks.models import Kind, Submission, SubmissionStatus
from tests import factories

pytestmark = pytest.mark.django_db

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
# On PostgreSQL (the goal is 10 with the credit and the outbox): the token (or the session and
# her user), her roles, the submission locked with what the answer shows and the ids of her ledger
# accounts, the review and its three state changes, the credit (postings and header in one
# statement), the project's progress, her notice, the audit rows and the events (one statement for
# both), and the transaction itself. SQLite writes the credit in three statements and the audit
# rows and the events in two.
POSTGRES_API = 13
POSTGRES_API_WITHOUT_CONTROL = 11
SQLITE_MORE = 3


def handed_in(supervisor, company, mother, n):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=n)
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=-10), hours=3)
    submissions = []
    for _ in range(n):
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
        submissions.append(services.claim_submit(worker=mother, claim_id=claim.pk, text="纯棉面料，柔软亲肤。"))
    return project, submissions


def counted(call, capture_on_commit):
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        response = call()
    sql = [query["sql"] for query in queries.captured_queries]
    return response, sql, [s for s in sql if not s.startswith(CONTROL)]


def test_a_review_through_the_api_costs_few_statements_and_writes_everything(
    supervisor, company, mother, django_capture_on_commit_callbacks
):
    _project, (warm, measured) = handed_in(supervisor, company, mother, 2)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.api_token_for(supervisor)}")
    warmed = client.post(f"/api/v1/submissions/{warm.pk}/review", {"decision": "accept"}, format="json")
    assert warmed.status_code == 200
    before = {"outbox": OutboxEvent.objects.count(), "audit": AuditEntry.objects.count()}

    response, sql, work = counted(
        lambda: client.post(f"/api/v1/submissions/{measured.pk}/review", {"decision": "accept"}, format="json"),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == SubmissionStatus.ACCEPTED and body["review"]["decision"] == "accept"
    review = Submission.objects.get(pk=measured.pk).review
    assert Transaction.objects.filter(key=f"review:{review.pk}").count() == 1
    assert Notice.objects.filter(user=mother, key=f"review:{review.pk}").count() == 1
    written = OutboxEvent.objects.order_by("id")[before["outbox"] :]
    assert sorted(e.type for e in written) == [
        "ledger.credited",
        "notice.created",
        "project.progress",
        "review.decided",
        "review.decided",
    ]
    assert sorted(AuditEntry.objects.order_by("id")[before["audit"] :].values_list("action", flat=True)) == [
        "ledger.credit",
        "review.accept",
    ]
    if connection.vendor == "postgresql":
        assert len(sql) <= POSTGRES_API, "\n".join(sql)
        assert len(work) <= POSTGRES_API_WITHOUT_CONTROL, "\n".join(work)
    else:
        assert len(work) <= POSTGRES_API_WITHOUT_CONTROL + SQLITE_MORE, "\n".join(work)


def test_her_page_decide_costs_one_statement_more_than_the_api(
    supervisor, company, mother, django_capture_on_commit_callbacks
):
    project, (warm, measured) = handed_in(supervisor, company, mother, 2)
    client = Client()
    client.force_login(supervisor)
    decide = {"decision": "accept", "project": str(project.pk)}
    assert client.post(f"/work/review/{warm.pk}/decide?project={project.pk}", decide).status_code == 302

    response, sql, work = counted(
        lambda: client.post(f"/work/review/{measured.pk}/decide?project={project.pk}", decide),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 302
    assert Submission.objects.get(pk=measured.pk).status == SubmissionStatus.ACCEPTED
    if connection.vendor == "postgresql":
        assert len(sql) <= POSTGRES_API + 1, "\n".join(sql)  # the session and her user instead of the token
        assert len(work) <= POSTGRES_API_WITHOUT_CONTROL + 1, "\n".join(work)
    else:
        assert len(work) <= POSTGRES_API_WITHOUT_CONTROL + 1 + SQLITE_MORE, "\n".join(work)

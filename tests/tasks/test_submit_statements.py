"""What one hand-in costs in SQL statements, sent as the loop bench sends it (bench/loop_phases.py):
the API with ``Authorization: Token``, the page with her session cookie and the CSRF token.

The counts leave out transaction control (BEGIN/COMMIT here are the test's SAVEPOINTs) and hold on
SQLite and PostgreSQL alike. What a hand-in still has to say to the database: who is asking (the
token, or the session and its user), that she is a mother (her profile), the claim locked with its
task, project and company, the submission (and its photos, in one statement), the claim and the
task marked handed in, the audit row and the outbox events. The answer is built from the objects
in hand: a new submission has no review yet, and its photos are the ones just saved.
"""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tasks import services
from tasks.models import Kind, Submission
from tasks.serializers import SubmissionOut
from tests import factories

pytestmark = pytest.mark.django_db
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.HOMESLOT_PRIVATE_ROOT = tmp_path / "private"


def work_of(queries) -> list[str]:
    """The statements of a request, without transaction control."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def tables(statements: list[str]) -> list[str]:
    """Each statement as its verb and table (a SELECT's: that of its first column): ``INSERT tasks_submission``."""
    found = []
    for sql in statements:
        if sql.startswith("WITH insert_0 AS (INSERT INTO"):  # core.batched_inserts: several tables at once
            found.append("INSERT " + "+".join(re.findall(r'AS \(INSERT INTO "(\w+)"', sql)))
            continue
        table = re.match(r'(?:SELECT|INSERT INTO|UPDATE) "(\w+)"', sql)
        found.append(f"{sql.split()[0]} {table.group(1) if table else '?'}")
    return found


def audit_and_events() -> list[str]:
    """Her audit entry and the events, written together at the end (core.batched_inserts): one
    statement on PostgreSQL, one per table elsewhere."""
    if connection.vendor == "postgresql":
        return ["INSERT accounts_auditentry+realtime_outboxevent"]
    return ["INSERT accounts_auditentry", "INSERT realtime_outboxevent"]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.api_token_for(user)}")
    return client


def fresh_answer(submission_id: int) -> dict:
    """What SubmissionOut says of the submission read back from the database."""
    return json.loads(JSONRenderer().render(SubmissionOut(Submission.objects.get(pk=submission_id)).data))


def claim_id(mother, project, slot) -> int:
    return services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    ).pk


def api_submit_counted(mother, project, slot, *, body, format="json"):
    """One hand-in to warm up (as in a running server), then the one counted; ``body()`` gives each
    its request body."""
    client = token_client(mother)
    first = client.post(f"/api/v1/claims/{claim_id(mother, project, slot)}/submit", body(), format=format)
    assert first.status_code == 201, first.content
    counted, sent = claim_id(mother, project, slot), body()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/claims/{counted}/submit", sent, format=format)
    assert response.status_code == 201, response.content
    return response, work_of(queries)


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 20, 60)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def test_an_api_hand_in_is_six_statements_and_a_transaction_and_answers_from_what_it_wrote(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=3)
    slot = factories.slot(supervisor, project)

    response, statements = api_submit_counted(mother, project, slot, body=lambda: {"text": "纯棉面料，柔软亲肤。"})

    assert tables(statements) == [
        "SELECT accounts_apitoken",  # the token, her user and her profile (config.auth; IsWorker reads it)
        "SELECT tasks_claim",  # locked, with its task, project and company
        "INSERT tasks_submission",
        "UPDATE tasks_claim",
        "UPDATE tasks_task",
        *audit_and_events(),
    ], "\n".join(statements)
    assert response.json() == fresh_answer(response.json()["id"])
    assert response.json()["review"] is None and response.json()["photos"] == []


def test_an_api_hand_in_with_photos_writes_them_in_one_statement(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=3, units_per_task=10)
    slot = factories.slot(supervisor, project)

    response, statements = api_submit_counted(
        mother, project, slot, body=lambda: {"completed_units": "8", "photos": [jpeg(), jpeg()]}, format="multipart"
    )

    assert len(statements) <= 9 and tables(statements).count("INSERT tasks_submissionphoto") == 1, "\n".join(statements)
    answer = response.json()
    assert len(answer["photos"]) == 2 and answer == fresh_answer(answer["id"])


def test_an_api_hand_in_of_labels_reads_the_items_once(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=3, units_per_task=3)
    slot = factories.slot(supervisor, project)
    client = token_client(mother)
    claims = [client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json()]
    labels = {str(item["id"]): "好评" for item in claims[0]["task"]["items"]}
    assert client.post(f"/api/v1/claims/{claims[0]['id']}/submit", {"labels": labels}, format="json").status_code == 201
    claims.append(client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json())
    labels = {str(item["id"]): "差评" for item in claims[1]["task"]["items"]}

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/claims/{claims[1]['id']}/submit", {"labels": labels}, format="json")

    assert response.status_code == 201, response.content
    statements = work_of(queries)
    assert len(statements) <= 9 and tables(statements).count("SELECT tasks_labelitem") == 1, "\n".join(statements)
    answer = response.json()
    assert [item["text"] for item in answer["task"]["items"]] == ["评论 3", "评论 4", "评论 5"]
    assert answer == fresh_answer(answer["id"])


def test_a_page_hand_in_reads_nothing_the_service_repeats(supervisor, company, mom):
    project = factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=3)
    slot = factories.slot(supervisor, project)
    claim = claim_id(mom, project, slot)
    client = Client(enforce_csrf_checks=True)
    client.force_login(mom)
    page = client.get(f"/m/claims/{claim}/").content.decode()  # as she opens it before handing in
    form = {
        "text": "纯棉面料，柔软亲肤。",
        "handed_in_after": re.search(r'name="handed_in_after" value="(\d+)"', page).group(1),
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
    }

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/m/claims/{claim}/submit", form)

    assert response.status_code == 302 and response["Location"] == f"/m/claims/?submitted={claim}"
    statements = work_of(queries)
    assert tables(statements) == [
        "SELECT django_session",  # the session (django.contrib.sessions)
        "SELECT accounts_user",  # her user and her profile (config.auth)
        "SELECT tasks_claim",  # locked, with its task and project (and her newest hand-in)
        "INSERT tasks_submission",
        "UPDATE tasks_claim",
        "UPDATE tasks_task",
        *audit_and_events(),
    ], "\n".join(statements)
    assert Submission.objects.get(claim_id=claim).text == "纯棉面料，柔软亲肤。"

"""What a claim costs in SQL statements (issue 15: the pages' claim takes the API's fast route).

Each request as a mother sends it — the API with ``Authorization: Token``, the pages with her session
cookie and the form's CSRF token — counted through Django as ``bench/loop.py --show-queries`` counts
it. On PostgreSQL the test runs in autocommit, as the server does, so BEGIN and COMMIT show where
they would be sent. Each statement is named by what it reads or writes; the claim itself is the one
call of ``homeslot_claim_next`` (tasks/claim_sql.py). What stays besides it is who she is (the session
and the user, or the token), her profile (the pages' ``mother_page``, the API's ``IsWorker``), and on
her claim's page what the page shows.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tasks.models import Claim, ClaimStatus
from tests import factories
from workers.models import AvailabilityWindow

CLAIM = "claim"  # the one statement


def named(queries) -> list[str]:
    """Each statement as the table it starts from (or the claim function, or the transaction word)."""
    out = []
    for query in queries:
        sql = query["sql"]
        word = sql.split(None, 1)[0].upper()
        if "homeslot_claim_next" in sql:
            out.append(CLAIM)
        elif word in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"):
            out.append(word)
        else:
            table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
            out.append(table.group(1) if table else sql[:40])
    return out


def token_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.api_token_for(user)}")
    assert client.get("/api/v1/me").status_code == 200  # warm: the token's hourly touch is done
    return client


def outside_her_hours(mother, slot) -> None:
    """A weekly window on another weekday than the slot's: the slot is outside her hours."""
    weekday = (timezone.localtime(slot.starts_at).weekday() + 3) % 7
    AvailabilityWindow.objects.create(
        worker=mother.worker_profile, weekday=weekday, start=datetime.time(8), end=datetime.time(9)
    )


@pytest.fixture
def beads(supervisor, company):
    return factories.project(supervisor, company, tasks=4, units_per_task=10)


@pytest.fixture
def morning(supervisor, beads):
    return factories.slot(supervisor, beads)


# --- PostgreSQL: the one statement ---------------------------------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True], ids=["in her hours", "outside them, confirmed"])
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_next_through_the_api_is_the_token_her_profile_and_one_statement(
    on_postgres, mom, beads, morning, confirmed
):
    body = {"slot": morning.pk}
    if confirmed:
        outside_her_hours(mom, morning)
        body["confirm_outside_availability"] = True
    client = token_client(mom)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/projects/{beads.pk}/claim-next", body, format="json")

    assert response.status_code == 201, response.content
    assert named(queries.captured_queries) == ["accounts_apitoken", "workers_workerprofile", CLAIM]
    assert Claim.objects.get(worker=mom, status=ClaimStatus.ACTIVE).slot_id == morning.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claiming_a_chosen_task_through_the_api_is_one_statement(on_postgres, mom, beads, morning):
    task = beads.tasks.order_by("pk").last()
    client = token_client(mom)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/tasks/{task.pk}/claim", {"slot": morning.pk}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["task"]["id"] == task.pk
    assert named(queries.captured_queries) == ["accounts_apitoken", "workers_workerprofile", CLAIM]

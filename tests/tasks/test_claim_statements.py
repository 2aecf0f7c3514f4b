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
from django.test import Client
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


def her_phone(user) -> Client:
    """Her browser: signed in, the CSRF cookie from a page she opened, the token sent with each form."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    assert client.get("/m/").status_code == 200
    return client


def post_form(client: Client, path: str, data: dict):
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def outside_her_hours(mother, slot) -> None:
    """A weekly window on another weekday than the slot's: the slot is outside her hours."""
    weekday = (timezone.localtime(slot.starts_at).weekday() + 3) % 7
    AvailabilityWindow.objects.create(
        worker=mother.worker_profile, weekday=weekday, start=datetime.time(8), end=datetime.time(9)
    )


# --- PostgreSQL: the one statement ---------------------------------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True], ids=["in her hours", "outside them, confirmed"])
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_next_through_the_api_is_the_token_her_profile_and_one_statement(
    on_postgres, mom, assembly, slot, confirmed
):
    body = {"slot": slot.pk}
    if confirmed:
        outside_her_hours(mom, slot)
        body["confirm_outside_availability"] = True
    client = token_client(mom)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/projects/{assembly.pk}/claim-next", body, format="json")

    assert response.status_code == 201, response.content
    assert named(queries.captured_queries) == [
        "accounts_apitoken",
        CLAIM,
    ]  # her profile came with the token (config.auth)
    assert Claim.objects.get(worker=mom, status=ClaimStatus.ACTIVE).slot_id == slot.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claiming_a_chosen_task_through_the_api_is_one_statement(on_postgres, mom, assembly, slot):
    task = assembly.tasks.order_by("pk").last()
    client = token_client(mom)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["task"]["id"] == task.pk
    assert named(queries.captured_queries) == [
        "accounts_apitoken",
        CLAIM,
    ]  # her profile came with the token (config.auth)


@pytest.mark.parametrize("confirmed", [False, True], ids=["in her hours", "outside them, confirmed"])
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_pages_claim_of_a_task_is_who_she_is_her_profile_and_one_statement(
    on_postgres, mom, assembly, slot, confirmed
):
    task = assembly.tasks.order_by("pk")[1]
    form = {"slot": slot.pk}
    if confirmed:
        outside_her_hours(mom, slot)
        form["confirm_outside_availability"] = "1"
    phone = her_phone(mom)

    with CaptureQueriesContext(connection) as queries:
        response = post_form(phone, f"/m/tasks/{task.pk}/claim", form)

    claim = Claim.objects.get(worker=mom)
    assert response.status_code == 302 and response["Location"] == f"/m/claims/{claim.pk}/"
    assert claim.task_id == task.pk and claim.slot_id == slot.pk
    assert named(queries.captured_queries) == [
        "django_session",
        "accounts_user",
        CLAIM,
    ]  # her profile came with her user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_her_claims_page_after_claiming_reads_what_it_shows(on_postgres, mom, assembly, slot):
    phone = her_phone(mom)
    where = post_form(phone, f"/m/tasks/{assembly.tasks.order_by('pk').first().pk}/claim", {"slot": slot.pk})

    with CaptureQueriesContext(connection) as queries:
        page = phone.get(where["Location"])

    assert page.status_code == 200
    assert named(queries.captured_queries) == [
        *("django_session", "accounts_user"),  # her profile came with her user (config.auth)
        "tasks_claim",  # the claim, its task, slot and project
        "tasks_submission",  # what she handed in (nothing yet)
        "notices_noticesettings",  # her quiet hours (a deadline inside them is marked)
        "tasks_claim",  # the family emergencies she has left this month (the give-back form)
        "realtime_outboxevent",  # where the live feed resumes from
    ]


# --- any database: the page repeats nothing the service reads -------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True], ids=["in her hours", "outside them, confirmed"])
def test_the_pages_claim_reads_her_windows_only_when_needed_and_the_tasks_project_with_its_slot(
    mom, assembly, slot, confirmed
):
    """On the ORM path (SQLite; on PostgreSQL when the one statement declines: here the task's claim
    ran out, which it leaves to the ORM path). The slot is tomorrow morning, so that it lies inside one
    day's window whatever the hour the test runs at (an hour from now may run past midnight)."""
    tomorrow_ten = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    slot = factories.slot(assembly.created_by, assembly, starts_in=tomorrow_ten - timezone.now())
    task = assembly.tasks.order_by("pk").first()
    ran_out = timezone.now() - datetime.timedelta(minutes=1)
    Claim.objects.create(
        task=task,
        worker=factories.mother(),
        slot=slot,
        project=assembly,
        claimed_at=ran_out - datetime.timedelta(hours=2),
        expires_at=ran_out,
    )
    task.status, task.claim_expires_at = "claimed", ran_out
    task.save(update_fields=["status", "claim_expires_at"])
    form = {"slot": slot.pk}
    if confirmed:
        outside_her_hours(mom, slot)
        form["confirm_outside_availability"] = "1"
    else:
        start = timezone.localtime(slot.starts_at)
        AvailabilityWindow.objects.create(
            worker=mom.worker_profile, weekday=start.weekday(), start=datetime.time(0), end=datetime.time(23, 59)
        )
    phone = her_phone(mom)

    with CaptureQueriesContext(connection) as queries:
        response = post_form(phone, f"/m/tasks/{task.pk}/claim", form)

    assert response.status_code == 302, response.content
    assert Claim.objects.get(worker=mom).task_id == task.pk
    tables = named(queries.captured_queries)
    assert tables.count("workers_workerprofile") == 1  # the service's lock (the page's came with her user)
    assert tables.count("workers_availabilitywindow") == (0 if confirmed else 1)  # the service's, if it must
    projects_of_tasks = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "tasks_task"."project_id"')]
    assert projects_of_tasks == []  # read with the slot

"""Real threads against PostgreSQL: no double claim, no double credit."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from ledger.models import Transaction
from tasks import services
from tasks.models import Claim, ClaimStatus, Task, TaskStatus
from tests import factories
from tests.concurrency.threads import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_as(user, path: str, body: dict) -> tuple[int, dict]:
    """One API request as ``user``, on the calling thread (its own database connection)."""
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(path, body, format="json")
    return response.status_code, response.json()


@pytest.fixture
def setup(on_postgres, company, supervisor):
    project = factories.project(supervisor, company, tasks=20, units_per_task=5, claim_limit=5)
    slot = factories.slot(supervisor, project, capacity=100)
    return project, slot


def test_fifty_mothers_claim_next_on_twenty_tasks(setup):
    project, slot = setup
    mothers = [factories.mother() for _ in range(50)]

    def claim(i):
        return _post_as(mothers[i], f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk})

    results = at_once(50, claim)

    created = [body for code, body in results if code == 201]
    refused = [body for code, body in results if code == 409]
    assert len(created) == 20 and len(refused) == 30
    assert {b["error"]["code"] for b in refused} == {"no_task_available"}
    assert len({b["task"]["id"] for b in created}) == 20
    assert Claim.objects.filter(project=project, status=ClaimStatus.ACTIVE).count() == 20
    assert project.tasks.filter(status=TaskStatus.CLAIMED).count() == 20
    slot.refresh_from_db()
    assert slot.claimed_count == 20


def test_slot_capacity_holds_under_concurrency(on_postgres, company, supervisor):
    project = factories.project(supervisor, company, tasks=30)
    slot = factories.slot(supervisor, project, capacity=7)
    mothers = [factories.mother() for _ in range(20)]

    def claim(i):
        client = APIClient()
        client.force_authenticate(mothers[i])
        return client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").status_code

    codes = at_once(20, claim)

    assert codes.count(201) == 7 and codes.count(409) == 13
    slot.refresh_from_db()
    assert slot.claimed_count == 7 == Claim.objects.filter(slot=slot).count()


def test_one_mothers_limit_holds_under_concurrency(on_postgres, company, supervisor, mother):
    project = factories.project(supervisor, company, tasks=10, claim_limit=3)
    slot = factories.slot(supervisor, project)

    def claim(i):
        client = APIClient()
        client.force_authenticate(mother)
        return client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").status_code

    codes = at_once(10, claim)

    assert codes.count(201) == 3
    assert Claim.objects.filter(worker=mother).count() == 3


def test_twenty_supervisors_accepting_one_submission_credit_once(setup, company, mother):
    project, slot = setup
    client = APIClient()
    client.force_authenticate(mother)
    claim = client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json").json()
    submission = client.post(f"/api/v1/claims/{claim['id']}/submit", {"completed_units": 5}, format="json").json()
    reviewers = [factories.staff(company) for _ in range(20)]

    def accept(i):
        api = APIClient()
        api.force_authenticate(reviewers[i])
        response = api.post(f"/api/v1/submissions/{submission['id']}/review", {"decision": "accept"}, format="json")
        return response.status_code, response.json()

    results = at_once(20, accept)

    assert [code for code, _ in results].count(200) == 1
    assert {body["error"]["code"] for code, body in results if code != 200} == {"already_reviewed"}
    assert Transaction.objects.filter(key__startswith="review:").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_posting")
        assert cursor.fetchone()[0] == 2


def test_work_being_claimed_by_someone_faster_is_not_refused_as_her_hours(setup):
    """While other claims hold the last tasks' rows, "claim the next" says no task is left — not
    that her hours are used up (a fresh mother has all her hours)."""
    project, slot = setup
    mother = factories.mother()
    held, release = threading.Event(), threading.Event()

    def hold_every_task():
        from django.db import transaction

        from tasks.models import Task

        with transaction.atomic():
            list(Task.objects.select_for_update().filter(project=project))
            held.set()
            release.wait(timeout=30)
        connections.close_all()

    holder = threading.Thread(target=hold_every_task)
    holder.start()
    try:
        assert held.wait(timeout=30)
        client = APIClient()
        client.force_authenticate(mother)
        response = client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json")
    finally:
        release.set()
        holder.join()

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_task_available"


def test_claim_next_never_waits_on_a_stale_claim_someone_else_holds(on_postgres, company, supervisor):
    """The only task left is one whose claim ran out, and the expiry job (here: another connection)
    holds that claim's row: "claim the next" passes it over at once (no task for now) instead of
    waiting for the other transaction, as DESIGN.md §4 asks of the hot path."""
    project = factories.project(supervisor, company, tasks=1, units_per_task=5)
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=6), tick=False):
        gone = factories.slot(supervisor, project)  # a morning slot: its claim ran out hours ago
        stale = services.task_claim_next(worker=factories.mother(), project_id=project.pk, slot_id=gone.pk)
    slot = factories.slot(supervisor, project)
    assert Task.objects.get(pk=stale.task_id).claim_expires_at < timezone.now()
    held, release, let_go = threading.Event(), threading.Event(), threading.Event()

    def hold_the_stale_claim():
        with transaction.atomic():
            list(Claim.objects.select_for_update().filter(pk=stale.pk))
            held.set()
            release.wait(timeout=10)
        let_go.set()
        connections.close_all()

    holder = threading.Thread(target=hold_the_stale_claim)
    holder.start()
    try:
        assert held.wait(timeout=30)
        client = APIClient()
        client.force_authenticate(factories.mother())
        response = client.post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json")
        answered_while_held = not let_go.is_set()
    finally:
        release.set()
        holder.join()

    assert answered_while_held
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_task_available"


def test_twenty_mothers_choosing_one_task_at_once_one_gets_it(setup):
    """The chosen task in one statement (a conditional update) as well as on the ORM path."""
    project, slot = setup
    task = project.tasks.order_by("pk")[3]
    mothers = [factories.mother() for _ in range(20)]

    def claim(i):
        return _post_as(mothers[i], f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk})

    results = at_once(20, claim)

    assert sorted(code for code, _body in results) == [201] + [409] * 19
    assert {body["error"]["code"] for code, body in results if code == 409} == {"task_already_claimed"}
    assert Claim.objects.filter(project=project).count() == 1
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLAIMED
    assert project.tasks.filter(status=TaskStatus.CLAIMED).count() == 1
    slot.refresh_from_db()
    assert slot.claimed_count == 1


def test_twenty_mothers_tapping_one_task_on_the_pages_at_once_one_gets_it(setup):
    from django.test import Client

    project, slot = setup
    task = project.tasks.order_by("pk")[5]
    phones = []
    for i in range(20):
        mother = factories.mother()
        profile = mother.worker_profile
        profile.display_name, profile.city, profile.children_under_12 = f"妈妈{i}", "佛山市", 0
        profile.save()  # complete: her pages open
        phone = Client()
        phone.force_login(mother)
        phones.append(phone)

    def claim(i):
        return phones[i].post(f"/m/tasks/{task.pk}/claim", {"slot": slot.pk})["Location"]

    places = at_once(20, claim)

    claim_made = Claim.objects.get(project=project)
    assert places.count(f"/m/claims/{claim_made.pk}/") == 1
    assert sum("taken=" in place for place in places) == 19  # someone was faster: the next one is offered
    slot.refresh_from_db()
    assert slot.claimed_count == 1


def test_her_limit_holds_when_she_confirmed_a_slot_outside_her_hours(on_postgres, company, supervisor, mother):
    from workers.models import AvailabilityWindow

    project = factories.project(supervisor, company, tasks=10, claim_limit=3)
    slot = factories.slot(supervisor, project)
    weekday = (timezone.localtime(slot.starts_at).weekday() + 3) % 7
    AvailabilityWindow.objects.create(
        worker=mother.worker_profile, weekday=weekday, start=datetime.time(8), end=datetime.time(9)
    )
    body = {"slot": slot.pk, "confirm_outside_availability": True}

    def claim(i):
        client = APIClient()
        client.force_authenticate(mother)
        return client.post(f"/api/v1/projects/{project.pk}/claim-next", body, format="json").status_code

    codes = at_once(10, claim)

    assert codes.count(201) == 3 and codes.count(409) == 7
    assert Claim.objects.filter(worker=mother).count() == 3


def test_one_notice_sent_eight_times_at_once_is_one_notice_and_one_event(on_postgres, mother):
    from notices.models import Notice, NoticeKind
    from notices.services import notice_send
    from realtime.models import OutboxEvent

    def send(i):
        with transaction.atomic():
            sent = notice_send(user_id=mother.pk, kind=NoticeKind.SLOT_STARTING, key="slot:race", text="十五分钟后开始")
        return sent is not None

    results = at_once(8, send)

    assert results.count(True) == 1
    assert Notice.objects.filter(user=mother, key="slot:race").count() == 1
    assert OutboxEvent.objects.filter(type="notice.created", group=f"worker.{mother.pk}").count() == 1

import datetime

import pytest
import time_machine

from accounts.models import AuditEntry
from realtime.models import OutboxEvent
from tasks.models import Claim, ClaimStatus, Task, TaskStatus, TimeSlot
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world


def claim_next(user, project, slot):
    return api_for(user).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json")


def claim(user, task, slot):
    return api_for(user).post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json")


def test_claim_next_takes_the_first_open_task_until_the_slot_ends_plus_grace(mother, assembly, slot):
    response = claim_next(mother, assembly, slot)

    assert response.status_code == 201, response.content
    body = response.json()
    first = assembly.tasks.order_by("pk").first()
    assert body["task"]["id"] == first.pk
    assert body["status"] == "active" and body["live"] is True
    expected_deadline = slot.ends_at + datetime.timedelta(minutes=assembly.grace_minutes)
    assert datetime.datetime.fromisoformat(body["expires_at"]) == expected_deadline
    first.refresh_from_db()
    assert first.status == TaskStatus.CLAIMED and first.claim_expires_at == expected_deadline
    assert TimeSlot.objects.get(pk=slot.pk).claimed_count == 1
    assert body["slot"]["claimed_count"] == 1
    assert AuditEntry.objects.filter(action="claim.create", target_id=str(body["id"]), actor=mother).count() == 1


def test_claim_publishes_task_claimed_to_project_staff_and_worker(
    mother, assembly, slot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = claim_next(mother, assembly, slot)

    claim_id = response.json()["id"]
    task_id = response.json()["task"]["id"]
    rows = list(OutboxEvent.objects.filter(type="task.claimed").order_by("id"))
    assert [r.group for r in rows] == [
        f"project.{assembly.pk}",
        f"company.{assembly.company_id}.staff",
        f"worker.{mother.pk}",
    ]
    assert rows[0].as_message()["data"] == {"project": assembly.pk, "task": task_id, "slot": slot.pk, "claim": claim_id}


def test_claim_a_given_task(mother, assembly, slot):
    task = assembly.tasks.order_by("pk").last()

    response = claim(mother, task, slot)

    assert response.status_code == 201
    assert response.json()["task"]["id"] == task.pk


def test_task_already_claimed_is_refused_and_changes_nothing(mother, other_mother, assembly, slot):
    task = assembly.tasks.first()
    claim(mother, task, slot)
    before = world()

    assert_refused(claim(other_mother, task, slot), 409, "task_already_claimed", before)


def test_no_task_available_when_drained(supervisor, company, slot, assembly):
    mothers = [factories.mother() for _ in range(3)]
    for m in mothers:
        assert claim_next(m, assembly, slot).status_code == 201
    before = world()

    assert_refused(claim_next(factories.mother(), assembly, slot), 409, "no_task_available", before)


def test_slot_full_is_refused(supervisor, assembly, mother, other_mother):
    tiny = factories.slot(supervisor, assembly, capacity=1)
    claim_next(mother, assembly, tiny)
    before = world()

    assert_refused(claim_next(other_mother, assembly, tiny), 409, "slot_full", before)


def test_claim_limit_is_refused(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=5, claim_limit=2)
    slot = factories.slot(supervisor, project)
    claim_next(mother, project, slot)
    claim_next(mother, project, slot)
    before = world()

    assert_refused(claim_next(mother, project, slot), 409, "claim_limit_reached", before)


def test_claim_in_an_ended_slot_is_refused(supervisor, assembly, mother):
    slot = factories.slot(supervisor, assembly, starts_in=datetime.timedelta(minutes=10), hours=1)
    before = world()

    with time_machine.travel(slot.ends_at + datetime.timedelta(seconds=1)):
        assert_refused(claim_next(mother, assembly, slot), 409, "slot_closed", before)


def test_slot_of_another_project_is_refused(supervisor, company, assembly, mother):
    other = factories.project(supervisor, company, tasks=1)
    foreign_slot = factories.slot(supervisor, other)
    before = world()

    assert_refused(claim_next(mother, assembly, foreign_slot), 400, "invalid_slot", before)


@pytest.mark.parametrize("slot_value", ["abc", None, ""])
def test_bad_slot_input_is_a_400(mother, assembly, slot, slot_value):
    before = world()
    response = api_for(mother).post(f"/api/v1/projects/{assembly.pk}/claim-next", {"slot": slot_value}, format="json")

    assert_refused(response, 400, "invalid", before)


def test_paused_project_takes_no_claims(supervisor, assembly, slot, mother):
    api_for(supervisor).post(f"/api/v1/projects/{assembly.pk}/pause")
    before = world()

    assert_refused(claim_next(mother, assembly, slot), 409, "project_not_open", before)


def test_draft_project_is_invisible_to_mothers(supervisor, company, mother):
    draft = factories.project(supervisor, company, publish=False)
    slot = factories.slot(supervisor, draft)
    before = world()

    assert_refused(claim_next(mother, draft, slot), 404, "not_found", before)
    assert_refused(claim(mother, draft.tasks.first(), slot), 404, "not_found", before)


def test_staff_cannot_claim(supervisor, assembly, slot):
    before = world()

    assert_refused(claim_next(supervisor, assembly, slot), 403, "forbidden", before)


def test_anonymous_cannot_claim(assembly, slot):
    before = world()

    assert_refused(claim_next(None, assembly, slot), 401, "not_authenticated", before)


def test_expired_claim_frees_the_task_by_time_alone(supervisor, company, mother, other_mother):
    project = factories.project(supervisor, company, tasks=1, grace_minutes=30)
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=5), hours=1)
    later = factories.slot(supervisor, project, starts_in=datetime.timedelta(hours=3), hours=1)
    first = claim_next(mother, project, slot).json()
    assert claim_next(other_mother, project, later).json()["error"]["code"] == "no_task_available"

    with time_machine.travel(slot.ends_at + datetime.timedelta(minutes=30, seconds=1)):
        listed = api_for(other_mother).get("/api/v1/tasks", {"project": project.pk}).json()
        assert [t["id"] for t in listed["results"]] == [first["task"]["id"]]
        response = claim_next(other_mother, project, later)

        assert response.status_code == 201
        assert response.json()["task"]["id"] == first["task"]["id"]
        assert Claim.objects.get(pk=first["id"]).status == ClaimStatus.EXPIRED
        assert TimeSlot.objects.get(pk=slot.pk).claimed_count == 0
        # The first mother can no longer submit.
        refused = api_for(mother).post(f"/api/v1/claims/{first['id']}/submit", {"completed_units": 1}, format="json")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "claim_not_active"


def test_submit_after_deadline_is_refused_even_before_anyone_tidies_up(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=1, grace_minutes=0)
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=5), hours=1)
    claimed = claim_next(mother, project, slot).json()
    before = world()

    with time_machine.travel(slot.ends_at + datetime.timedelta(seconds=1)):
        response = api_for(mother).post(f"/api/v1/claims/{claimed['id']}/submit", {"completed_units": 5}, format="json")
        assert_refused(response, 409, "claim_expired", before)


def test_release_before_the_slot_is_free(mother, assembly, slot, django_capture_on_commit_callbacks):
    claimed = claim_next(mother, assembly, slot).json()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(mother).post(f"/api/v1/claims/{claimed['id']}/release", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "released"
    task = Task.objects.get(pk=claimed["task"]["id"])
    assert task.status == TaskStatus.OPEN and task.claim_expires_at is None
    assert TimeSlot.objects.get(pk=slot.pk).claimed_count == 0
    assert OutboxEvent.objects.filter(type="task.released", group=f"project.{assembly.pk}").count() == 1
    # and it can be claimed again
    assert claim_next(mother, assembly, slot).json()["task"]["id"] == task.pk


def test_release_during_the_slot_needs_a_reason(supervisor, assembly, mother):
    slot = factories.slot(supervisor, assembly, starts_in=datetime.timedelta(minutes=1), hours=2)
    claimed = claim_next(mother, assembly, slot).json()
    url = f"/api/v1/claims/{claimed['id']}/release"

    with time_machine.travel(slot.starts_at + datetime.timedelta(minutes=5)):
        before = world()
        assert_refused(api_for(mother).post(url, {}, format="json"), 400, "reason_required", before)

        response = api_for(mother).post(url, {"reason": "孩子发烧了"}, format="json")
        assert response.status_code == 200
        assert Claim.objects.get(pk=claimed["id"]).release_reason == "孩子发烧了"


def test_release_of_someone_elses_claim_is_not_found(mother, other_mother, assembly, slot):
    claimed = claim_next(mother, assembly, slot).json()
    before = world()

    response = api_for(other_mother).post(f"/api/v1/claims/{claimed['id']}/release", {}, format="json")

    assert_refused(response, 404, "not_found", before)


def test_release_twice_is_refused(mother, assembly, slot):
    claimed = claim_next(mother, assembly, slot).json()
    url = f"/api/v1/claims/{claimed['id']}/release"
    api_for(mother).post(url, {}, format="json")
    before = world()

    assert_refused(api_for(mother).post(url, {}, format="json"), 409, "claim_not_active", before)


def test_claims_list_is_hers_only_and_filterable(mother, other_mother, assembly, slot):
    mine = claim_next(mother, assembly, slot).json()
    claim_next(other_mother, assembly, slot)

    listed = api_for(mother).get("/api/v1/claims", {"status": "active"}).json()

    assert [c["id"] for c in listed["results"]] == [mine["id"]]
    assert api_for(mother).get("/api/v1/claims", {"status": "released"}).json()["count"] == 0


def test_task_hall_lists_open_tasks_with_pay(mother, assembly, slot):
    claim_next(mother, assembly, slot)

    listed = api_for(mother).get("/api/v1/tasks", {"project": assembly.pk}).json()

    assert listed["count"] == 2
    first = listed["results"][0]
    assert first["pay_fen"] == 500  # 10 pieces × ¥0.50
    assert first["project"]["implied_hourly_pay"] == "30.00"  # 0.50 × 60 ÷ 1.00
    assert first["estimated_minutes"] == 10


def test_mother_sees_only_open_slots_of_a_published_project(supervisor, assembly, mother):
    open_slot = factories.slot(supervisor, assembly)
    full = factories.slot(supervisor, assembly, capacity=1)
    claim_next(factories.mother(), assembly, full)

    listed = api_for(mother).get(f"/api/v1/projects/{assembly.pk}/slots").json()

    assert [s["id"] for s in listed["results"]] == [open_slot.pk]


def test_one_statement_claim_writes_what_the_orm_path_writes(on_postgres, supervisor, company, mother, other_mother):
    from accounts.models import AuditEntry
    from tasks import services
    from tasks.services import claims

    project = factories.project(supervisor, company, tasks=2)
    slot = factories.slot(supervisor, project)

    fast = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)  # one statement
    slow = claims._claim(worker=other_mother, project_id=project.pk, slot_id=slot.pk)  # the ORM path

    def written(claim, worker):
        row = (
            Claim.objects.filter(pk=claim.pk)
            .values("status", "slot_id", "project_id", "expires_at", "release_reason")
            .get()
        )
        audit = AuditEntry.objects.filter(action="claim.create", target_id=str(claim.pk)).values(
            "actor_id", "company_id", "target_type", "data"
        )
        events = OutboxEvent.objects.filter(type="task.claimed", data__claim=claim.pk).order_by("id")
        return (
            row,
            [{**a, "actor_id": a["actor_id"] == worker.pk, "data": set(a["data"])} for a in audit],
            [(e.group.replace(str(worker.pk), "W"), sorted(e.data)) for e in events],
        )

    assert written(fast, mother) == written(slow, other_mother)
    assert fast.slot.claimed_count == 1 and slow.slot.claimed_count == 2
    assert TimeSlot.objects.get(pk=slot.pk).claimed_count == 2
    assert Task.objects.filter(project=project, status=TaskStatus.CLAIMED).count() == 2

"""Who may claim what, and when: her own company's work, tasks that fit their slot, claims that
fit beside each other, and an expiry she is always told about. Both claim paths: the ORM path
(``claims._claim``) everywhere, and the one-statement function on PostgreSQL."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from notices.models import Notice, NoticeKind
from tasks import jobs, services
from tasks.models import Claim, ClaimStatus, Task, TaskStatus
from tasks.services import claims
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

# Sunday 29 November 2026, 06:00 in Shanghai: a quiet morning with the whole day ahead.
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2026, 11, 29, 6, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, 29, hour, minute, tzinfo=SHANGHAI)


def slot(supervisor, project, start, end, capacity=50):
    return services.slot_create(
        actor=supervisor, project_id=project.pk, starts_at=start, ends_at=end, capacity=capacity
    )


def claim_next(user, project, slot, **extra):
    return api_for(user).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk, **extra}, format="json")


def claim(user, task, slot):
    return api_for(user).post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json")


def become_a_mother(user):
    response = api_for(user).put("/api/v1/me/profile", {"display_name": "李主管", "city": "佛山市"}, format="json")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    return user


# --- 1. staff of a company do not claim that company's work --------------------------------------


def test_a_supervisor_who_made_herself_a_worker_cannot_claim_her_own_companys_task(supervisor, assembly):
    become_a_mother(supervisor)
    morning = slot(supervisor, assembly, at(9), at(11))
    before = world()

    refused = claim_next(supervisor, assembly, morning)

    assert_refused(refused, 403, "own_company_work", before)
    assert refused.json()["error"]["details"] == {"company": assembly.company_id}
    assert_refused(claim(supervisor, assembly.tasks.first(), morning), 403, "own_company_work", before)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE])
def test_every_role_of_the_company_is_refused(company, supervisor, assembly, role):
    colleague = become_a_mother(factories.staff(company, role))
    morning = slot(supervisor, assembly, at(9), at(11))
    before = world()

    assert_refused(claim_next(colleague, assembly, morning), 403, "own_company_work", before)


def test_staff_of_one_company_may_work_as_a_mother_for_another(supervisor, other_company):
    become_a_mother(supervisor)
    elsewhere_boss = factories.staff(other_company)
    elsewhere = factories.project(elsewhere_boss, other_company, tasks=1)
    morning = slot(elsewhere_boss, elsewhere, at(9), at(11))

    response = claim_next(supervisor, elsewhere, morning)

    assert response.status_code == 201, response.content
    assert Claim.objects.get(worker=supervisor).project == elsewhere


def test_the_hall_and_the_slots_offer_her_only_other_companies_work(supervisor, assembly, other_company):
    become_a_mother(supervisor)
    slot(supervisor, assembly, at(9), at(11))
    elsewhere_boss = factories.staff(other_company)
    elsewhere = factories.project(elsewhere_boss, other_company, tasks=2)
    other_morning = slot(elsewhere_boss, elsewhere, at(9), at(11))

    hall = api_for(supervisor).get("/api/v1/tasks").json()

    assert {t["project"]["id"] for t in hall["results"]} == {elsewhere.pk}
    assert hall["count"] == 2
    from tasks import selectors

    assert list(selectors.open_slots_for_worker(supervisor)) == [other_morning]
    assert set(selectors.claimable_tasks_for_worker(supervisor).values_list("project_id", flat=True)) == {elsewhere.pk}


def test_the_one_statement_claim_declines_her_own_companys_work(on_postgres, supervisor, assembly):
    become_a_mother(supervisor)
    morning = slot(supervisor, assembly, at(9), at(11))

    assert claims._claim_in_one_statement(worker=supervisor, project_id=assembly.pk, slot_id=morning.pk) is None
    assert Claim.objects.count() == 0


# --- 2. a task fits its slot; her claims fit beside each other ------------------------------------


@pytest.fixture
def long_and_short(supervisor, company):
    return _remainder(supervisor, company)


def _remainder(supervisor, company):
    """Assembly at 1 minute a piece: tasks of 100, 100 and 50 pieces (the split's remainder last)."""
    project = services.project_create(
        actor=supervisor,
        company_id=company.pk,
        kind="assembly",
        title="串珠",
        piece_rate="0.5000",
        minutes_per_unit="1.00",
        region="广东省佛山市",
        claim_limit=5,
    )
    services.project_split(actor=supervisor, project_id=project.pk, total_units=250, units_per_task=100)
    services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    return project


def test_a_100_minute_task_is_refused_for_a_60_minute_slot_with_the_minutes(supervisor, mother, long_and_short):
    project = long_and_short
    hour = slot(supervisor, project, at(9), at(10))
    long_task = project.tasks.order_by("pk").first()
    before = world()

    refused = claim(mother, long_task, hour)

    assert_refused(refused, 409, "task_too_long_for_slot", before)
    assert refused.json()["error"]["details"] == {"task_minutes": 100, "slot_minutes": 60}
    assert "100" in refused.json()["error"]["message"] and "60" in refused.json()["error"]["message"]


def test_claim_next_takes_the_lowest_open_task_that_fits_the_slot(supervisor, mother, long_and_short):
    project = long_and_short
    hour = slot(supervisor, project, at(9), at(10))

    response = claim_next(mother, project, hour)

    assert response.status_code == 201, response.content
    assert response.json()["task"]["units"] == 50
    assert response.json()["task"]["id"] == project.tasks.order_by("pk").last().pk


def test_claim_next_with_nothing_short_enough_names_the_shortest_task(supervisor, mother, other_mother, long_and_short):
    project = long_and_short
    hour = slot(supervisor, project, at(9), at(10))
    assert claim_next(other_mother, project, hour).status_code == 201  # the 50-piece one
    before = world()

    refused = claim_next(mother, project, hour)

    assert_refused(refused, 409, "task_too_long_for_slot", before)
    assert refused.json()["error"]["details"] == {"task_minutes": 100, "slot_minutes": 60}


def hour_tasks(supervisor, company, *, tasks=4, title="文案"):
    """Copywriting at 60 minutes an article: each task an hour (¥30 an article)."""
    return factories.project(
        supervisor,
        company,
        kind="copywriting",
        tasks=tasks,
        claim_limit=6,
        title=title,
        piece_rate="30.0000",
        minutes_per_unit="60.00",
    )


def test_two_claims_in_overlapping_slots_are_refused_naming_the_first(supervisor, company, mother):
    project = hour_tasks(supervisor, company, title="商品文案")
    nine = slot(supervisor, project, at(9), at(10))
    half_past = slot(supervisor, project, at(9, 30), at(10, 30))
    first = claim_next(mother, project, nine).json()
    before = world()

    refused = claim_next(mother, project, half_past)

    assert_refused(refused, 409, "claims_overlap", before)
    body = refused.json()["error"]
    assert body["details"] == {"claim": first["id"], "claims": [first["id"]], "minutes_free": 30, "task_minutes": 60}
    assert "商品文案" in body["message"] and "09:00" in body["message"]
    # The same task by choice, too.
    task = project.tasks.filter(status=TaskStatus.OPEN).order_by("pk").first()
    assert_refused(claim(mother, task, half_past), 409, "claims_overlap", before)


def test_her_claims_with_another_company_count_too(supervisor, company, other_company, mother):
    mine = hour_tasks(supervisor, company)
    elsewhere_boss = factories.staff(other_company)
    elsewhere = hour_tasks(elsewhere_boss, other_company, title="别家文案")
    assert claim_next(mother, mine, slot(supervisor, mine, at(9), at(10))).status_code == 201
    same_hour = slot(elsewhere_boss, elsewhere, at(9), at(10))
    before = world()

    refused = claim_next(mother, elsewhere, same_hour)

    assert_refused(refused, 409, "claims_overlap", before)


def test_short_tasks_share_a_slot_until_it_is_full_of_work(supervisor, company, mother):
    # 10 pieces at 1 minute: ten-minute tasks in a half-hour slot.
    project = factories.project(supervisor, company, tasks=5, units_per_task=10, claim_limit=5)
    half_hour = slot(supervisor, project, at(9), at(9, 30))
    for _ in range(3):
        assert claim_next(mother, project, half_hour).status_code == 201
    before = world()

    assert_refused(claim_next(mother, project, half_hour), 409, "claims_overlap", before)


def test_she_may_pause_a_long_task_for_a_short_one_inside_it(supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=2, units_per_task=90, claim_limit=5)
    short = factories.project(supervisor, company, tasks=2, units_per_task=30, claim_limit=5)
    assert claim_next(mother, project, slot(supervisor, project, at(9), at(11))).status_code == 201  # 90 of 120 min
    inside = slot(supervisor, short, at(9, 30), at(10))

    assert claim_next(mother, short, inside).status_code == 201  # 30 more: 120 of 120
    later = slot(supervisor, short, at(10), at(11))
    before = world()
    assert_refused(claim_next(mother, short, later), 409, "claims_overlap", before)


def test_a_claim_she_handed_in_or_gave_back_no_longer_takes_her_time(supervisor, company, mother):
    project = hour_tasks(supervisor, company)
    nine = slot(supervisor, project, at(9), at(10))
    first = claim_next(mother, project, nine).json()
    api_for(mother).post(f"/api/v1/claims/{first['id']}/submit", {"text": "写好了"}, format="json")
    second = claim_next(mother, project, nine).json()
    api_for(mother).post(f"/api/v1/claims/{second['id']}/release", {}, format="json")

    assert claim_next(mother, project, nine).status_code == 201


def test_two_at_once_when_the_platform_allows_it(settings, supervisor, company, mother):
    settings.HOMESLOT_PARALLEL_CLAIMS = 2
    project = hour_tasks(supervisor, company)
    nine = slot(supervisor, project, at(9), at(10))

    assert claim_next(mother, project, nine).status_code == 201
    assert claim_next(mother, project, nine).status_code == 201
    before = world()
    assert_refused(claim_next(mother, project, nine), 409, "claims_overlap", before)


def test_the_one_statement_claim_never_takes_what_the_orm_path_refuses(on_postgres, supervisor, company, mother):
    project = factories.project(supervisor, company, tasks=4, units_per_task=20, claim_limit=6)
    long_ones = _remainder(supervisor, company)  # 100, 100, 50 pieces
    nine = slot(supervisor, project, at(9), at(10))
    in_one = claims._claim_in_one_statement

    # Too long for an hour: only the 50-piece task is taken, then nothing.
    hour_of_long = slot(supervisor, long_ones, at(12), at(13))
    taken = in_one(worker=factories.mother(), project_id=long_ones.pk, slot_id=hour_of_long.pk)
    assert taken.task.units == 50
    assert in_one(worker=factories.mother(), project_id=long_ones.pk, slot_id=hour_of_long.pk) is None

    # In the same slot she holds: exactly what fits (three 20-minute tasks in an hour).
    assert [in_one(worker=mother, project_id=project.pk, slot_id=nine.pk) is not None for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    # Another window that shares time with hers: left to the ORM path, which decides.
    inside = slot(supervisor, project, at(9, 30), at(10))
    later = slot(supervisor, project, at(9, 30), at(10, 30))
    assert in_one(worker=mother, project_id=project.pk, slot_id=inside.pk) is None
    assert in_one(worker=mother, project_id=project.pk, slot_id=later.pk) is None
    assert Claim.objects.filter(worker=mother).count() == 3
    before = world()
    assert_refused(claim_next(mother, project, inside), 409, "claims_overlap", before)
    assert claim_next(mother, project, later).status_code == 201  # 80 minutes' work in 9:00–10:30


# --- 3. every expiry tells her, once ---------------------------------------------------------------


def test_a_claim_expired_by_another_mothers_claim_tells_the_first_mother_once(
    supervisor, company, mother, other_mother
):
    project = factories.project(supervisor, company, tasks=1, grace_minutes=30, title="串珠手链")
    early = slot(supervisor, project, at(9), at(10))
    late = slot(supervisor, project, at(12), at(14))
    first = claim_next(mother, project, early).json()

    with time_machine.travel(at(10, 31), tick=False):
        taken = api_for(other_mother).post(
            f"/api/v1/projects/{project.pk}/claim-next", {"slot": late.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )
        assert taken.status_code == 201 and taken.json()["task"]["id"] == first["task"]["id"]
        assert jobs.claims_expire.call() == 0  # nothing left for the job

    assert Claim.objects.get(pk=first["id"]).status == ClaimStatus.EXPIRED
    [notice] = Notice.objects.filter(user=mother)
    assert notice.kind == NoticeKind.CLAIM_EXPIRED and notice.key == f"claim-expired:{first['id']}"
    assert "串珠手链" in notice.text and "没关系" in notice.text  # the platform's language, not the claimer's
    assert notice.data == {"claim": first["id"], "task": first["task"]["id"], "project": project.pk}
    assert not Notice.objects.filter(user=other_mother).exists()


def test_the_expiry_job_and_a_later_claim_tell_her_once_between_them(supervisor, company, mother, other_mother):
    project = factories.project(supervisor, company, tasks=1, grace_minutes=0)
    early = slot(supervisor, project, at(9), at(10))
    late = slot(supervisor, project, at(12), at(14))
    first = claim_next(mother, project, early).json()

    with time_machine.travel(at(10, 1), tick=False):
        assert jobs.claims_expire.call() == 1
        assert claim_next(other_mother, project, late).status_code == 201

    assert Notice.objects.filter(user=mother, kind=NoticeKind.CLAIM_EXPIRED).count() == 1
    assert Task.objects.get(pk=first["task"]["id"]).status == TaskStatus.CLAIMED


def test_an_expiry_publishes_her_notice_live(supervisor, company, mother, other_mother):
    from realtime.models import OutboxEvent

    project = factories.project(supervisor, company, tasks=1, grace_minutes=0)
    first = claim_next(mother, project, slot(supervisor, project, at(9), at(10))).json()
    late = slot(supervisor, project, at(12), at(14))

    with time_machine.travel(at(10, 1), tick=False):
        assert claim_next(other_mother, project, late).status_code == 201

    notice = Notice.objects.get(user=mother)
    [event] = OutboxEvent.objects.filter(type="notice.created", group=f"worker.{mother.pk}")
    assert event.data == {
        "notice": notice.pk,
        "kind": "claim_expired",
        "text": notice.text,
        "claim": first["id"],
        "task": first["task"]["id"],
        "project": project.pk,
    }
    assert OutboxEvent.objects.filter(type="claim.expired", group=f"worker.{mother.pk}").count() == 1

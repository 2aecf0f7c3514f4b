"""The pay floor: publishing below the region's part-time minimum hourly wage is refused; the
measured pay of accepted work is watched against it."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from fairwork.models import PayFloor
from notices.models import Notice, NoticeKind
from tasks.models import Project, ProjectStatus
from tasks.services import reminders as services
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db
FOSHAN = Decimal("18.60")  # the loaded (unconfirmed) figure for 佛山市


def draft(supervisor, company, *, piece_rate, minutes="1.00", region="广东省佛山市"):
    return factories.project(
        supervisor,
        company,
        publish=False,
        piece_rate=Decimal(piece_rate),
        minutes_per_unit=Decimal(minutes),
        region=region,
    )


def publish(user, project):
    return api_for(user).post(f"/api/v1/projects/{project.pk}/publish")


def test_publishing_below_the_floor_is_refused_with_the_figures(supervisor, company):
    # 0.30 yuan a unit at 1 minute a unit = 18.00 yuan an hour, under 佛山's 18.60.
    project = draft(supervisor, company, piece_rate="0.3000")
    before = world()

    response = publish(supervisor, project)

    assert_refused(response, 409, "below_pay_floor", before)
    details = response.json()["error"]["details"]
    assert details["implied_hourly_pay"] == "18.00"
    assert details["pay_floor"] == f"{FOSHAN}"
    assert details["region"] == "佛山市"
    assert details["floor_confirmed"] is False
    assert Decimal(details["minimum_piece_rate"]) * 60 >= FOSHAN


def test_publishing_at_the_floor_is_allowed(supervisor, company):
    project = draft(supervisor, company, piece_rate="0.3100")  # exactly 18.60 an hour

    assert publish(supervisor, project).status_code == 200
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.PUBLISHED


def test_the_most_specific_region_decides_and_short_names_count(supervisor, company):
    # 广东省 (other cities) is 16.40; 广州市 23.70: a project in 广州 at 20/h is refused,
    # one elsewhere in the province is not.
    guangzhou = draft(supervisor, company, piece_rate="0.3333", region="广州")
    shaoguan = draft(supervisor, company, piece_rate="0.3333", region="广东省韶关市")

    assert publish(supervisor, guangzhou).json()["error"]["details"]["region"] == "广州市"
    assert publish(supervisor, shaoguan).status_code == 200


def test_a_region_without_a_floor_cannot_be_published(supervisor, company):
    project = draft(supervisor, company, piece_rate="1.0000", region="火星")
    before = world()

    response = publish(supervisor, project)

    assert_refused(response, 409, "region_unknown", before)
    assert "北京市" in response.json()["error"]["details"]["known_regions"]


def test_the_supervisor_sees_the_floor_while_editing(supervisor, company):
    project = draft(supervisor, company, piece_rate="0.3000")

    body = api_for(supervisor).get(f"/api/v1/projects/{project.pk}").json()

    assert body["implied_hourly_pay"] == "18.00"
    assert body["pay_floor"]["yuan_per_hour"] == f"{FOSHAN}"
    assert body["pay_floor"]["meets_floor"] is False
    assert body["pay_floor"]["confirmed"] is False  # loaded figures are shown as unconfirmed
    assert body["pay_floor"]["source"]


def test_every_loaded_floor_is_marked_unconfirmed_with_its_source():
    floors = list(PayFloor.objects.all())
    assert {f.region for f in floors} >= {"广州市", "深圳市", "佛山市", "东莞市", "广东省", "北京市", "山东省"}
    assert all(not f.confirmed and f.source and f.note for f in floors)


def accepted_work(supervisor, project, mother, *, minutes_taken: int) -> None:
    """She claims a 10-unit task, works ``minutes_taken`` from the slot's start, the supervisor accepts."""
    slot = factories.slot(supervisor, project, starts_in=datetime.timedelta(minutes=5))
    claim = api_for(mother).post(f"/api/v1/projects/{project.pk}/claim-next", {"slot": slot.pk}, format="json")
    assert claim.status_code == 201, claim.content
    with time_machine.travel(slot.starts_at + datetime.timedelta(minutes=minutes_taken), tick=False):
        submission = api_for(mother).post(
            f"/api/v1/claims/{claim.json()['id']}/submit", {"completed_units": 10}, format="json"
        )
        assert submission.status_code == 201, submission.content
        review = api_for(supervisor).post(
            f"/api/v1/submissions/{submission.json()['id']}/review", {"decision": "accept"}, format="json"
        )
        assert review.status_code == 200, review.content


def test_measured_pay_below_the_floor_flags_the_project_once_a_day(supervisor, company, django_user_model):
    # Estimated 1 minute a unit at 0.50 = 30/h; the work really takes 2 minutes a unit = 15/h < 18.60.
    project = factories.project(supervisor, company, tasks=6, claim_limit=6)
    operator = django_user_model.objects.create_user(phone="+8613000000009", password="x" * 12, is_staff=True)
    for _ in range(5):
        accepted_work(supervisor, project, factories.mother(), minutes_taken=20)

    assert services.measured_pay_update() == 1
    assert services.measured_pay_update() == 1  # measured again, but told once

    project.refresh_from_db()
    assert project.measured_minutes_per_unit == Decimal("2.00")
    assert project.measured_hourly_pay == Decimal("15.00")
    flagged = Notice.objects.filter(kind=NoticeKind.PAY_BELOW_FLOOR)
    assert sorted(flagged.values_list("user_id", flat=True)) == sorted([supervisor.pk, operator.pk])
    # Mothers see the measured figure beside the estimate in the task hall.
    hall = api_for(factories.mother()).get("/api/v1/tasks", {"project": project.pk}).json()["results"]
    assert hall[0]["measured_hourly_pay"] == "15.00"
    assert hall[0]["project"]["implied_hourly_pay"] == "30.00"


def test_measured_pay_needs_enough_accepted_work(supervisor, company):
    project = factories.project(supervisor, company, tasks=3, claim_limit=3)
    for _ in range(2):
        accepted_work(supervisor, project, factories.mother(), minutes_taken=20)

    assert services.measured_pay_update() == 0
    project.refresh_from_db()
    assert project.measured_minutes_per_unit is None
    assert not Notice.objects.filter(kind=NoticeKind.PAY_BELOW_FLOOR).exists()


@pytest.mark.parametrize(
    ("region", "floor"),
    [("广东省深圳市", "深圳市"), ("广东深圳", "深圳市"), ("广东省江门市", "江门市"), ("广东省韶关市", "广东省")],
)
def test_a_city_floor_beats_its_provinces(region, floor):
    from fairwork.selectors import floor_for

    assert floor_for(region).region == floor


def test_a_published_project_cannot_move_to_a_region_with_a_higher_floor_or_none(supervisor, company):
    project = draft(supervisor, company, piece_rate="0.3333", region="广东省韶关市")  # 20/h, floor 16.40
    assert publish(supervisor, project).status_code == 200

    for region, code in (("广州", "below_pay_floor"), ("火星", "region_unknown")):
        response = api_for(supervisor).patch(f"/api/v1/projects/{project.pk}", {"region": region}, format="json")
        assert response.status_code == 409 and response.json()["error"]["code"] == code
        project.refresh_from_db()
        assert project.region == "广东省韶关市"

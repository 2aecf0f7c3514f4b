import pytest

from accounts.models import AuditEntry
from tests import factories
from tests.conftest import api_for
from workers.models import AvailabilityWindow, WorkerProfile

WEEKDAY_MORNINGS = [{"weekday": d, "start": "09:00", "end": "11:30"} for d in range(5)]


def test_a_new_user_sets_up_her_profile(db):
    user = factories.UserFactory()

    response = api_for(user).put(
        "/api/v1/me/profile",
        {"display_name": "小林妈妈", "city": "佛山市", "children_under_12": 2, "youngest_birth_year": 2022},
        format="json",
    )

    assert response.status_code == 200, response.content
    profile = WorkerProfile.objects.get(user=user)
    assert (profile.display_name, profile.children_under_12, profile.youngest_birth_year) == ("小林妈妈", 2, 2022)
    me = api_for(user).get("/api/v1/me").json()
    assert me["is_worker"] is True and me["worker_profile"]["city"] == "佛山市"


@pytest.mark.parametrize("year", [1990, 2040])
def test_implausible_birth_year_is_refused(mother, year):
    response = api_for(mother).put(
        "/api/v1/me/profile", {"display_name": "妈妈", "youngest_birth_year": year}, format="json"
    )

    assert response.status_code == 400
    assert mother.worker_profile.youngest_birth_year is None


def test_availability_is_replaced_as_a_whole(mother):
    client = api_for(mother)
    client.put("/api/v1/me/availability", WEEKDAY_MORNINGS, format="json")

    evening = [{"weekday": 6, "start": "20:00", "end": "22:00"}]
    response = client.put("/api/v1/me/availability", evening, format="json")

    assert response.status_code == 200
    assert response.json() == evening
    assert client.get("/api/v1/me/availability").json() == evening
    assert AvailabilityWindow.objects.filter(worker__user=mother).count() == 1
    assert AuditEntry.objects.filter(action="worker.availability_replace", actor=mother).count() == 2


@pytest.mark.parametrize(
    ("windows", "code"),
    [
        (
            [{"weekday": 0, "start": "09:00", "end": "11:00"}, {"weekday": 0, "start": "10:30", "end": "12:00"}],
            "availability_overlap",
        ),
        ([{"weekday": 7, "start": "09:00", "end": "11:00"}], "invalid"),
        ([{"weekday": 0, "start": "11:00", "end": "09:00"}], "invalid"),
        ([{"weekday": 0, "start": "9am", "end": "11:00"}], "invalid"),
        ({"weekday": 0}, "invalid"),
    ],
)
def test_bad_availability_is_refused_and_keeps_the_old_windows(mother, windows, code):
    client = api_for(mother)
    client.put("/api/v1/me/availability", WEEKDAY_MORNINGS, format="json")

    response = client.put("/api/v1/me/availability", windows, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert AvailabilityWindow.objects.filter(worker__user=mother).count() == 5


def test_staff_have_no_availability(supervisor):
    assert api_for(supervisor).get("/api/v1/me/availability").status_code == 403

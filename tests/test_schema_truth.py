"""What the probe found untrue in the schema: times declared ``format: time`` came back as HH:MM,
401/403/429 were undocumented, and GET /me/profile answered an empty 200 for staff."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import api_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    return APIClient().get("/api/schema/?format=json").json()


def test_clock_times_are_documented_as_the_api_writes_them(schema, mother):
    window = schema["components"]["schemas"]["AvailabilityWindow"]["properties"]["start"]
    assert window.get("format") != "time"
    assert window["pattern"] == r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

    api_for(mother).put("/api/v1/me/availability", [{"weekday": 0, "start": "09:00", "end": "11:30"}], format="json")
    assert api_for(mother).get("/api/v1/me/availability").json() == [{"weekday": 0, "start": "09:00", "end": "11:30"}]


PUBLIC = (
    "/api/v1/auth/token",
    "/api/v1/auth/accept-invitation",
    "/api/v1/auth/sms-code",
    "/api/v1/auth/sign-up",
    "/api/v1/auth/password-reset",
)


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "404", "503"} <= documented, (method, path)
            if path not in PUBLIC:
                assert {"401", "403"} <= documented, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "413", "415"} <= documented, (method, path)
    for path in PUBLIC:
        assert "429" in schema["paths"][path]["post"]["responses"], path
    error = schema["paths"]["/api/v1/tasks/{id}/claim"]["post"]["responses"]["409"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_staff_without_a_profile_get_a_404_that_says_how_to_make_one(supervisor):
    response = api_for(supervisor).get("/api/v1/me/profile", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_worker_profile"
    assert "PUT /api/v1/me/profile" in response.json()["error"]["message"]

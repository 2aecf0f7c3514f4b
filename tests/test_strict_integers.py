"""Integers a client sends are JSON numbers: ``"amount_fen": "100"`` was accepted as ¥1.00. Money is
never text; counts and ids may be ASCII digits only in a form (which can send nothing else)."""

import pytest

from ledger.models import Posting
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db

NOT_INTEGERS = ["100", "1_000", "١٠٠", " 7 ", "100.0", 100.0, 1e2, True, False, None, [], {}, "0x10", 2**63]


@pytest.fixture
def owed(finance, company, mother):
    factories.worked_for(company, mother)
    return mother


@pytest.mark.parametrize("amount", NOT_INTEGERS, ids=repr)
def test_an_adjustment_amount_that_is_not_a_json_integer_is_refused(finance, owed, amount):
    before = world()

    response = api_for(finance).post(
        "/api/v1/ledger/adjustments",
        {"worker": owed.pk, "amount_fen": amount, "reason": "好评奖励"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert_refused(response, 400, "invalid", before)
    assert list(response.json()["error"]["details"]) == ["amount_fen"]


def test_the_refusal_says_why_in_her_language(finance, owed):
    response = api_for(finance).post(
        "/api/v1/ledger/adjustments",
        {"worker": owed.pk, "amount_fen": "100", "reason": "好评奖励"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.json()["error"]["details"] == {"amount_fen": ["需要一个整数（JSON 数字，不是文本）。"]}


def test_an_adjustment_amount_sent_as_a_form_is_refused_too(finance, owed):
    before = world()

    response = api_for(finance).post(
        "/api/v1/ledger/adjustments", {"worker": owed.pk, "amount_fen": "100", "reason": "好评奖励"}, format="multipart"
    )

    assert_refused(response, 400, "invalid", before)
    assert list(response.json()["error"]["details"]) == ["amount_fen"]


def test_a_json_integer_amount_is_posted(finance, owed):
    response = api_for(finance).post(
        "/api/v1/ledger/adjustments", {"worker": owed.pk, "amount_fen": 100, "reason": "好评奖励"}, format="json"
    )

    assert response.status_code == 201
    assert Posting.objects.filter(amount_fen=100).count() == 2


@pytest.fixture
def claimed(mother, slot, assembly):
    task = assembly.tasks.first()
    return api_for(mother).post(f"/api/v1/tasks/{task.pk}/claim", {"slot": slot.pk}, format="json").json()


def _cases(request, claimed, assembly, slot):
    """(user, path, body with the field to spoil, field): integer inputs of the API, each role's."""
    return [
        ("mother", f"/api/v1/claims/{claimed['id']}/submit", {"completed_units": 10}, "completed_units"),
        ("supervisor", f"/api/v1/projects/{assembly.pk}/slots", _slot_body(10), "capacity"),
        (
            "supervisor",
            f"/api/v1/projects/{assembly.pk}/slots/pattern",
            {"weekdays": [1], "start": "09:00", "end": "11:00", "weeks": 1, "capacity": 5},
            "weeks",
        ),
        ("supervisor", f"/api/v1/projects/{assembly.pk}", {"claim_limit": 2}, "claim_limit"),
        ("supervisor", f"/api/v1/projects/{assembly.pk}", {"grace_minutes": 30}, "grace_minutes"),
        ("mother", "/api/v1/me/profile", {"display_name": "小美", "children_under_12": 1}, "children_under_12"),
    ]


def _slot_body(capacity):
    import datetime

    from django.utils import timezone

    start = timezone.now() + datetime.timedelta(days=2)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
        "capacity": capacity,
    }


@pytest.mark.parametrize("spoiled", ["10", "١٠", 10.0, True])
@pytest.mark.parametrize("case", range(6))
def test_counts_sent_as_text_in_json_are_refused_naming_the_field(request, claimed, assembly, slot, spoiled, case):
    role, path, body, field = _cases(request, claimed, assembly, slot)[case]
    client = api_for(request.getfixturevalue(role))
    method = client.patch if path.endswith(f"projects/{assembly.pk}") else client.post
    if path.endswith("me/profile"):
        method = client.put
    before = world()

    response = method(path, {**body, field: spoiled}, format="json")

    assert_refused(response, 400, "invalid", before)
    assert list(response.json()["error"]["details"]) == [field]


def test_a_form_may_still_send_counts_as_digits(mother, claimed):
    response = api_for(mother).post(
        f"/api/v1/claims/{claimed['id']}/submit", {"completed_units": "10"}, format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["submitted_units"] == 10


@pytest.mark.parametrize("digits", ["１０", "1_0", "+10", " 10"])
def test_a_form_may_not_send_other_digits(mother, claimed, digits):
    before = world()

    response = api_for(mother).post(
        f"/api/v1/claims/{claimed['id']}/submit", {"completed_units": digits}, format="multipart"
    )

    assert_refused(response, 400, "invalid", before)


@pytest.mark.parametrize(
    ("role", "path", "body", "field"),
    [
        ("mother", "/api/v1/claims/{claim}/submit", {"completed_units": 2**40}, "completed_units"),
        ("supervisor", "/api/v1/projects/{project}", {"grace_minutes": 2**40}, "grace_minutes"),
        ("supervisor", "/api/v1/projects/{project}", {"review_window_hours": 2**40}, "review_window_hours"),
        ("supervisor", "/api/v1/projects/{project}", {"claim_limit": 2**40}, "claim_limit"),
        ("mother", "/api/v1/me/profile", {"display_name": "小美", "youngest_birth_year": 2**40}, "youngest_birth_year"),
        ("mother", "/api/v1/claims/{claim}/submit", {"completed_units": 2**70}, "completed_units"),
    ],
)
def test_a_number_too_large_for_its_column_is_a_400_not_an_overflow(
    request, claimed, assembly, role, path, body, field
):
    client = api_for(request.getfixturevalue(role))
    url = path.format(claim=claimed["id"], project=assembly.pk)
    method = client.post if "submit" in url else client.put if "profile" in url else client.patch
    before = world()

    response = method(url, body, format="json")

    assert response.status_code in (400, 409), response.content
    assert world() == before

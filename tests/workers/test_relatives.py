"""Her declared relatives: a phone number is kept and answered alike whether or not it has an account
(the answer never tells her who is registered); her list shows masked numbers only."""

import pytest

from accounts.models import AuditEntry
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world
from workers.models import DeclaredRelative

URL = "/api/v1/me/relatives"


def test_a_registered_and_an_unknown_phone_are_answered_alike(mother, other_mother):
    client = api_for(mother)

    known = client.post(URL, {"phone": other_mother.phone[3:]}, format="json")
    unknown = client.post(URL, {"phone": "139 0000 1234"}, format="json")

    assert known.status_code == unknown.status_code == 201
    assert set(known.json()) == set(unknown.json()) == {"id", "phone_masked", "created_at"}
    assert unknown.json()["phone_masked"] == "139****1234"
    assert [r["phone_masked"] for r in client.get(URL).json()] == [
        known.json()["phone_masked"],
        "139****1234",
    ]
    assert other_mother.phone[3:] not in str(client.get(URL).json())
    assert set(DeclaredRelative.objects.values_list("phone", flat=True)) == {other_mother.phone, "+8613900001234"}
    assert AuditEntry.objects.filter(action="relative.declare").count() == 2


def test_declaring_again_is_the_same_row(mother):
    first = api_for(mother).post(URL, {"phone": "13900001234"}, format="json")

    again = api_for(mother).post(URL, {"phone": "+86 139-0000-1234"}, format="json")

    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert DeclaredRelative.objects.count() == 1


@pytest.mark.parametrize(("phone", "code"), [("12345", "invalid_phone"), ("", "invalid")])
def test_a_wrong_number_is_refused(mother, phone, code):
    before = world()
    count = DeclaredRelative.objects.count()

    assert_refused(api_for(mother).post(URL, {"phone": phone}, format="json"), 400, code, before)
    assert DeclaredRelative.objects.count() == count


def test_her_own_number_is_refused(mother):
    before = world()

    assert_refused(api_for(mother).post(URL, {"phone": mother.phone}, format="json"), 400, "relative_is_you", before)
    assert not DeclaredRelative.objects.exists()


def test_twenty_at_most(mother):
    for n in range(20):
        DeclaredRelative.objects.create(worker=mother, phone=f"+861390000{n:04d}")
    before = world()

    response = api_for(mother).post(URL, {"phone": "13800009999"}, format="json")

    assert_refused(response, 409, "too_many_relatives", before)
    assert DeclaredRelative.objects.count() == 20


def test_she_removes_hers_and_not_anothers(mother, other_mother):
    hers = DeclaredRelative.objects.create(worker=mother, phone="+8613900001234")
    theirs = DeclaredRelative.objects.create(worker=other_mother, phone="+8613900005678")
    before = world()

    assert_refused(api_for(mother).delete(f"{URL}/{theirs.pk}"), 404, "not_found", before)
    assert api_for(mother).delete(f"{URL}/{hers.pk}").status_code == 204
    assert list(DeclaredRelative.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_staff_without_a_profile_have_no_list(company):
    supervisor = factories.staff(company)

    assert api_for(supervisor).get(URL).status_code == 403

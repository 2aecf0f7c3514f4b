"""Her declared relatives: a phone number is kept and answered alike whether or not it has an account
(the answer never tells her who is registered); her list shows masked numbers only."""

import datetime

import pytest
from django.utils import timezone

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


def declared(worker, phone, *, days_ago=0) -> DeclaredRelative:
    relative = DeclaredRelative.objects.create(worker=worker, phone=phone)
    if days_ago:
        at = timezone.now() - datetime.timedelta(days=days_ago)
        DeclaredRelative.objects.filter(pk=relative.pk).update(created_at=at)
        relative.refresh_from_db()
    return relative


def test_she_removes_hers_and_not_anothers(mother, other_mother):
    hers = declared(mother, "+8613900001234", days_ago=31)
    theirs = declared(other_mother, "+8613900005678", days_ago=31)
    before = world()

    assert_refused(api_for(mother).delete(f"{URL}/{theirs.pk}"), 404, "not_found", before)
    assert api_for(mother).delete(f"{URL}/{hers.pk}").status_code == 204
    assert list(DeclaredRelative.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_staff_without_a_profile_have_no_list(company):
    supervisor = factories.staff(company)

    assert api_for(supervisor).get(URL).status_code == 403


# --- A probe of who wrote a hand-in: declaring a number hides that person's work from her queue, so
# declarations are few (5 in any 30 days) and stay 30 days (she cannot cycle numbers through). ---


def test_five_new_declarations_in_30_days_at_most(mother):
    client = api_for(mother)
    declared(mother, "+8613900000100", days_ago=31)  # older than the window: does not count
    for n in range(5):
        assert client.post(URL, {"phone": f"1390000{n:04d}"}, format="json").status_code == 201
    before = world()

    response = client.post(URL, {"phone": "13800009999"}, format="json")

    assert_refused(response, 409, "relatives_changed_recently", before)
    assert response.json()["error"]["details"] == {"max": 5, "days": 30}
    assert DeclaredRelative.objects.filter(worker=mother).count() == 6


def test_the_limit_answers_a_registered_and_an_unknown_number_alike(mother, other_mother):
    for n in range(5):
        declared(mother, f"+861390000{n:04d}")
    before = world()

    known = api_for(mother).post(URL, {"phone": other_mother.phone[3:]}, format="json")
    unknown = api_for(mother).post(URL, {"phone": "13800009999"}, format="json")

    assert_refused(known, 409, "relatives_changed_recently", before)
    assert_refused(unknown, 409, "relatives_changed_recently", before)
    assert known.json() == unknown.json()


def test_one_declared_before_is_still_answered_at_the_limit(mother):
    first = declared(mother, "+8613900000000")
    for n in range(1, 5):
        declared(mother, f"+861390000{n:04d}")

    again = api_for(mother).post(URL, {"phone": "13900000000"}, format="json")

    assert again.status_code == 200 and again.json()["id"] == first.pk


def test_the_window_slides(mother):
    for n in range(5):
        declared(mother, f"+861390000{n:04d}", days_ago=30 - n)  # the first one is 30 days old

    assert api_for(mother).post(URL, {"phone": "13800009999"}, format="json").status_code == 201
    before = world()
    assert_refused(
        api_for(mother).post(URL, {"phone": "13800008888"}, format="json"), 409, "relatives_changed_recently", before
    )


@pytest.mark.parametrize("days_ago", [0, 29])
def test_a_declaration_stays_30_days(mother, days_ago):
    relative = declared(mother, "+8613900001234", days_ago=days_ago)
    before = world()

    response = api_for(mother).delete(f"{URL}/{relative.pk}")

    assert_refused(response, 409, "relative_too_recent", before)
    assert response.json()["error"]["details"]["days"] == 30
    removable_from = datetime.datetime.fromisoformat(response.json()["error"]["details"]["removable_from"])
    assert removable_from == relative.created_at + datetime.timedelta(days=30)
    assert not AuditEntry.objects.filter(action="relative.remove").exists()


def test_after_30_days_she_removes_it(mother):
    relative = declared(mother, "+8613900001234", days_ago=30)

    assert api_for(mother).delete(f"{URL}/{relative.pk}").status_code == 204
    assert not DeclaredRelative.objects.filter(worker=mother).exists()


def test_a_resent_removal_with_its_key_answers_as_the_first(mother):
    hers = declared(mother, "+8613900001234", days_ago=31)
    client = api_for(mother)
    first = client.delete(f"{URL}/{hers.pk}", HTTP_IDEMPOTENCY_KEY="rm-1")
    again = client.delete(f"{URL}/{hers.pk}", HTTP_IDEMPOTENCY_KEY="rm-1")
    assert (first.status_code, again.status_code) == (204, 204)
    assert again["Idempotent-Replayed"] == "true" and not DeclaredRelative.objects.exists()


def test_a_resent_declaration_with_its_key_answers_as_the_first_and_another_body_is_refused(mother):
    client = api_for(mother)
    first = client.post(URL, {"phone": "13912345678"}, format="json", HTTP_IDEMPOTENCY_KEY="add-1")
    again = client.post(URL, {"phone": "13912345678"}, format="json", HTTP_IDEMPOTENCY_KEY="add-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    before = world()
    other = client.post(URL, {"phone": "13912345679"}, format="json", HTTP_IDEMPOTENCY_KEY="add-1")
    assert_refused(other, 409, "idempotency_key_reused", before)

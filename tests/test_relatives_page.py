"""家人 on her phone: she adds a family member's number (shown masked), removes it, and a bad or her own
number is refused with nothing changed; nobody else's list is shown or changed."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.snapshots import world
from workers.models import DeclaredRelative

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_she_adds_a_family_member_sees_it_masked_and_removes_it(mom):
    client = signed_in(mom)
    assert "m/relatives/" in client.get("/m/me/").content.decode()
    response = client.post("/m/relatives/", {"phone": "13912345678"})
    assert response.status_code == 302
    page = client.get("/m/relatives/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    relative = DeclaredRelative.objects.get(worker=mom)
    DeclaredRelative.objects.filter(pk=relative.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    assert client.post(f"/m/relatives/{relative.pk}/remove").status_code == 302
    assert not DeclaredRelative.objects.filter(worker=mom).exists()


def test_a_sixth_number_in_30_days_is_refused_with_words_and_nothing_changes(mom):
    for n in range(5):
        DeclaredRelative.objects.create(worker=mom, phone=f"+861390000{n:04d}")
    before = world()
    response = signed_in(mom).post("/m/relatives/", {"phone": "13800009999"})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'role="alert"' in page and "30 天" in page
    assert world() == before


def test_a_number_declared_under_30_days_ago_is_not_removed_and_she_is_told(mom):
    relative = DeclaredRelative.objects.create(worker=mom, phone="+8613912345678")
    client = signed_in(mom)
    before = world()
    response = client.post(f"/m/relatives/{relative.pk}/remove", follow=True)
    page = response.content.decode()
    assert 'role="alert"' in page and "30 天" in page
    assert world() == before and DeclaredRelative.objects.filter(pk=relative.pk).exists()


@pytest.mark.parametrize("phone", ["12345", "", "own"])
def test_a_bad_or_her_own_number_is_refused_and_nothing_changes(mom, phone):
    before = world()
    typed = mom.phone.removeprefix("+86") if phone == "own" else phone
    response = signed_in(mom).post("/m/relatives/", {"phone": typed})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert world() == before


def test_anothers_list_is_neither_shown_nor_changed(mom, other_mother):
    theirs = DeclaredRelative.objects.create(worker=other_mother, phone="+8613912345678")
    client = signed_in(mom)
    assert "5678" not in client.get("/m/relatives/").content.decode()
    before = world()
    client.post(f"/m/relatives/{theirs.pk}/remove")
    assert world() == before and DeclaredRelative.objects.filter(pk=theirs.pk).exists()

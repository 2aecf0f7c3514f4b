"""Company admins add and remove staff by phone; someone without an account joins with an SMS code."""

import re

import pytest

from accounts import sms
from accounts.models import Invitation, Membership, Role
from tests import factories
from tests.conftest import api_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_to_memory(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()


def invite(user, company, phone, role="supervisor"):
    return api_for(user).post(f"/api/v1/companies/{company.pk}/members", {"phone": phone, "role": role}, format="json")


def test_someone_with_an_account_is_added_at_once(admin_user, company, mother):
    response = invite(admin_user, company, mother.phone[3:], role="finance")
    assert response.status_code == 201 and response.json()["role"] == "finance"
    assert Membership.objects.filter(company=company, user=mother, role=Role.FINANCE).exists()
    assert sms.outbox == []


def test_someone_new_joins_with_the_sms_code(admin_user, company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(admin_user, company, "139 1234 5678")
    assert response.status_code == 202 and response.json()["invited"] == "139****5678"
    [(phone, text)] = sms.outbox
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert phone == "+8613912345678" and company.name in text

    body = {
        "phone": "13912345678",
        "code": "000000" if code != "000000" else "111111",
        "password": "x" * 3,
        "display_name": "张姐",
    }
    wrong = api_for().post("/api/v1/auth/accept-invitation", body, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_invitation"
    weak = api_for().post("/api/v1/auth/accept-invitation", {**body, "code": code}, format="json")
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"

    joined = api_for().post(
        "/api/v1/auth/accept-invitation", {**body, "code": code, "password": "平安喜乐-2026-homeslot"}, format="json"
    )
    assert joined.status_code == 201 and joined.json()["token"]
    assert Membership.objects.filter(company=company, user__phone="+8613912345678", role=Role.SUPERVISOR).exists()
    again = api_for().post(
        "/api/v1/auth/accept-invitation", {**body, "code": code, "password": "平安喜乐-2026-homeslot"}, format="json"
    )
    assert again.status_code == 400  # a code works once


def test_only_a_company_admin_manages_staff(supervisor, finance, company, other_company, mother):
    for user in (supervisor, finance):
        assert invite(user, company, mother.phone).status_code == 403
    assert invite(factories.staff(other_company, Role.ADMIN), company, mother.phone).status_code == 404
    assert api_for(mother).get(f"/api/v1/companies/{company.pk}/members").status_code == 404
    assert not Invitation.objects.exists() and not Membership.objects.filter(user=mother).exists()


def test_staff_are_removed_but_the_last_admin_stays(admin_user, supervisor, company):
    listed = api_for(admin_user).get(f"/api/v1/companies/{company.pk}/members").json()
    assert {m["user"] for m in listed} == {admin_user.pk, supervisor.pk}

    assert api_for(admin_user).delete(f"/api/v1/companies/{company.pk}/members/{supervisor.pk}").status_code == 204
    assert api_for(supervisor).get("/api/v1/reviews/queue").status_code == 403  # at once
    last = api_for(admin_user).delete(f"/api/v1/companies/{company.pk}/members/{admin_user.pk}")
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_admin"


def test_bad_invitations_get_clear_errors(admin_user, company):
    assert invite(admin_user, company, "12345").status_code == 400
    assert invite(admin_user, company, "13912345678", role="owner").status_code == 400
    assert not Invitation.objects.exists()


def test_inviting_the_last_admin_in_another_role_is_refused(admin_user, supervisor, company):
    refused = invite(admin_user, company, admin_user.phone, role=Role.FINANCE)

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_admin"
    assert Membership.objects.get(user=admin_user, company=company).role == Role.ADMIN
    # With a second admin, the first may step down.
    assert invite(admin_user, company, supervisor.phone, role=Role.ADMIN).status_code == 201
    assert invite(admin_user, company, admin_user.phone, role=Role.FINANCE).status_code == 201

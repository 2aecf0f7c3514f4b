"""Every change that can end what someone may do or hear writes one AccessChange, in its transaction;
the cursor every server process reads them with sees each row once, also rows that commit late."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.jobs import accounts_tidy
from accounts.models import AccessChange, AccessReason, ApiToken, Membership, Role
from accounts.selectors import AccessChangeCursor
from accounts.sessions import user_for_session
from core.errors import Conflict
from tests import factories
from tests.factories import PASSWORD, UserFactory, api_token_for


def changes() -> list[tuple[int, str]]:
    return list(AccessChange.objects.order_by("id").values_list("user_id", "reason"))


def test_sign_out_with_a_token(mother):
    key = api_token_for(mother)

    APIClient(HTTP_AUTHORIZATION=f"Token {key}").post("/api/v1/auth/sign-out")

    assert changes() == [(mother.pk, AccessReason.SIGN_OUT)]


@pytest.mark.parametrize("path", ["/signout/", "/admin/logout/", "/api/v1/auth/sign-out"])
def test_sign_out_of_a_session_ends_it_everywhere_it_is_asked(db, path):
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    session_key = client.session.session_key
    assert user_for_session(session_key) == user

    response = client.post(path)

    assert response.status_code in (200, 204, 302)
    assert user_for_session(session_key) is None
    assert changes() == [(user.pk, AccessReason.SIGN_OUT)]


def test_a_session_is_no_longer_hers_once_her_password_changed(mother):
    client = Client()
    client.force_login(mother)
    session_key = client.session.session_key

    services.user_password_set(actor=None, user=mother, password="a-new-long-password")

    assert user_for_session(session_key) is None
    assert user_for_session("") is None and user_for_session("no-such-session") is None


def test_revoking_one_of_her_tokens(mother):
    api_token_for(mother)

    services.api_token_revoke(actor=mother, token_id=ApiToken.objects.get(user=mother).pk)

    assert changes() == [(mother.pk, AccessReason.TOKEN_REVOKED)]


def test_a_21st_sign_in_retires_a_token_and_says_so(mother):
    for _ in range(20):
        api_token_for(mother)
    assert changes() == []

    api_token_for(mother)

    assert changes() == [(mother.pk, AccessReason.TOKEN_REVOKED)]


def test_password_set_and_deactivation(mother, other_mother):
    services.user_password_set(actor=None, user=mother, password="a-new-long-password")
    services.user_deactivate(actor=None, user=other_mother)

    assert changes() == [(mother.pk, AccessReason.PASSWORD_SET), (other_mother.pk, AccessReason.DEACTIVATED)]


def test_removal_and_role_change_but_not_a_new_member(company, admin_user, supervisor):
    newcomer = UserFactory()

    services.membership_set(actor=admin_user, company=company, user=newcomer, role=Role.FINANCE)
    services.membership_set(actor=admin_user, company=company, user=newcomer, role=Role.FINANCE)  # no change
    services.membership_set(actor=admin_user, company=company, user=newcomer, role=Role.SUPERVISOR)
    services.member_remove(actor=admin_user, company_id=company.pk, user_id=supervisor.pk)

    assert changes() == [(newcomer.pk, AccessReason.ROLE_CHANGED), (supervisor.pk, AccessReason.MEMBERSHIP_REMOVED)]


def test_a_refused_removal_writes_nothing(company, admin_user):
    with pytest.raises(Conflict) as refused:
        services.member_remove(actor=admin_user, company_id=company.pk, user_id=admin_user.pk)

    assert refused.value.code == "last_admin"

    assert changes() == []


@pytest.fixture
def operator_admin(db):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_memberships_edited_in_the_admin(operator_admin, company, supervisor, finance):
    kept, removed = Membership.objects.get(user=supervisor), Membership.objects.get(user=finance)
    form = {
        "name": company.name,
        "settlement_days": "5",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
        "memberships-0-id": kept.pk,
        "memberships-0-company": company.pk,
        "memberships-0-user": supervisor.pk,
        "memberships-0-role": Role.FINANCE,
        "memberships-1-id": removed.pk,
        "memberships-1-company": company.pk,
        "memberships-1-user": finance.pk,
        "memberships-1-role": Role.FINANCE,
        "memberships-1-DELETE": "on",
    }

    response = operator_admin.post(f"/admin/accounts/company/{company.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(company=company).values_list("user_id", "role").get() == (
        supervisor.pk,
        Role.FINANCE,
    )
    assert sorted(changes()) == sorted(
        [(finance.pk, AccessReason.MEMBERSHIP_REMOVED), (supervisor.pk, AccessReason.ROLE_CHANGED)]
    )


def test_a_membership_deleted_on_its_admin_page(operator_admin, supervisor):
    membership = Membership.objects.get(user=supervisor)

    response = operator_admin.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert changes() == [(supervisor.pk, AccessReason.MEMBERSHIP_REMOVED)]


def test_a_user_deleted_in_the_admin(operator_admin):
    user = UserFactory()
    user_id = user.pk

    response = operator_admin.post(f"/admin/accounts/user/{user_id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert changes() == [(user_id, AccessReason.DELETED)]  # kept for the sockets, though she is gone


# --- reading them -------------------------------------------------------------------------------


def add(row_id: int, user) -> None:
    AccessChange.objects.create(id=row_id, user=user, reason=AccessReason.SIGN_OUT)


def test_the_cursor_reads_each_row_once_and_waits_for_a_late_commit(db):
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    now = [0.0]
    cursor = AccessChangeCursor(floor=100)
    add(100, c)  # at or below the floor: already handled
    add(101, a)
    add(103, b)  # 102 is a transaction that has not committed yet

    assert cursor.poll(clock=lambda: now[0]) == [a.pk, b.pk]
    assert cursor.poll(clock=lambda: now[0]) == []
    add(102, c)  # it commits
    now[0] += 5
    assert cursor.poll(clock=lambda: now[0]) == [c.pk]
    assert cursor.floor == 103


def test_the_cursor_gives_up_a_hole_that_never_commits(db):
    a, b = UserFactory(), UserFactory()
    now = [0.0]
    cursor = AccessChangeCursor(floor=0)
    add(2, a)  # 1 rolled back

    assert cursor.poll(clock=lambda: now[0]) == [a.pk]
    now[0] += AccessChangeCursor.GAP_SECONDS - 1
    cursor.poll(clock=lambda: now[0])
    assert cursor.floor == 0  # still waiting
    now[0] += 1
    cursor.poll(clock=lambda: now[0])
    assert cursor.floor == 2
    add(3, b)
    assert cursor.poll(clock=lambda: now[0]) == [b.pk]


def test_a_new_cursor_starts_a_little_back(db, mother):
    add(1, mother)
    add(2, mother)
    AccessChange.objects.filter(id=1).update(at=timezone.now() - datetime.timedelta(minutes=1))

    cursor = AccessChangeCursor.starting_now()

    assert cursor.floor == 1
    assert cursor.poll() == [mother.pk]


def test_the_hourly_tidy_forgets_old_rows_and_lapsed_tokens(mother, other_mother):
    add(1, mother)
    add(2, mother)
    AccessChange.objects.filter(id=1).update(at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    lapsed, live = api_token_for(mother), api_token_for(other_mother)
    ApiToken.objects.filter(user=mother).update(expires_at=timezone.now())

    assert accounts_tidy.call() == 2
    assert accounts_tidy.call() == 0  # idempotent

    assert list(AccessChange.objects.values_list("id", flat=True)) == [2]
    assert list(ApiToken.objects.values_list("user_id", flat=True)) == [other_mother.pk]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {live}").get("/api/v1/me").status_code == 200
    assert APIClient(HTTP_AUTHORIZATION=f"Token {lapsed}").get("/api/v1/me").status_code == 401


def test_signing_in_again_is_not_an_access_change(mother):
    mother.set_password(PASSWORD)
    mother.save()

    APIClient().post("/api/v1/auth/token", {"phone": mother.phone, "password": PASSWORD}, format="json")

    assert changes() == []
    assert factories.api_token_for(mother)


def test_settlement_days_out_of_range_in_the_admin_is_a_form_error_not_a_500(operator_admin, company):
    form = {
        "name": company.name,
        "settlement_days": "30",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }

    response = operator_admin.post(f"/admin/accounts/company/{company.pk}/change/", form)

    assert response.status_code == 200 and "15" in response.content.decode()
    company.refresh_from_db()
    assert company.settlement_days == 5

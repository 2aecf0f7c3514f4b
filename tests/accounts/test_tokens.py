"""API tokens: one per signed-in device, kept as digests, lapsing 90 days after their last use."""

import datetime
import hashlib
import importlib
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, AuditEntry
from tests.factories import PASSWORD, UserFactory, api_token_for

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
T0 = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
PHONE_APP = "Mozilla/5.0 (Linux; Android 10; Redmi 8A) Homeslot"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def her(db):
    return UserFactory(phone="+8613800009999")


def sign_in(device: str):
    client = APIClient(HTTP_USER_AGENT=device)
    return client.post("/api/v1/auth/token", {"phone": "13800009999", "password": PASSWORD}, format="json")


def as_(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_each_sign_in_is_a_token_of_its_own_with_its_expiry(clock, her):
    phone = sign_in(PHONE_APP)
    laptop = sign_in(LAPTOP)

    assert phone.status_code == laptop.status_code == 200
    assert phone.json()["token"] != laptop.json()["token"]
    assert phone.json()["expires_at"] == "2027-03-01T09:00:00+08:00"  # 90 days
    assert set(phone.json()) == {"token", "user", "expires_at"}
    assert as_(phone.json()["token"]).get("/api/v1/me").status_code == 200
    assert as_(laptop.json()["token"]).get("/api/v1/me").status_code == 200


def test_only_a_digest_of_the_key_is_kept(her):
    key = sign_in(PHONE_APP).json()["token"]

    stored = list(ApiToken.objects.values())

    assert [row["digest"] for row in stored] == [hashlib.sha256(key.encode()).hexdigest()]
    assert key not in json.dumps(stored, default=str)
    assert key not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_she_lists_her_tokens_and_never_sees_a_key(clock, her):
    phone_key = sign_in(PHONE_APP).json()["token"]
    clock.shift(datetime.timedelta(minutes=5))
    laptop_key = sign_in(LAPTOP).json()["token"]
    other_key = api_token_for(UserFactory())
    phone, laptop = ApiToken.objects.filter(user=her).order_by("pk")

    listed = as_(phone_key).get("/api/v1/me/tokens")

    assert listed.status_code == 200
    assert listed.json() == [
        {
            "id": laptop.pk,
            "label": LAPTOP,
            "created_at": "2026-12-01T09:05:00+08:00",
            "last_used_at": "2026-12-01T09:05:00+08:00",
            "expires_at": "2027-03-01T09:05:00+08:00",
            "current": False,
        },
        {
            "id": phone.pk,
            "label": PHONE_APP,
            "created_at": "2026-12-01T09:00:00+08:00",
            "last_used_at": "2026-12-01T09:00:00+08:00",
            "expires_at": "2027-03-01T09:00:00+08:00",
            "current": True,
        },
    ]
    assert not {phone_key, laptop_key, other_key} & set(listed.content.decode().split('"'))


def test_sign_out_revokes_only_the_token_it_came_with(her):
    phone_key, laptop_key = sign_in(PHONE_APP).json()["token"], sign_in(LAPTOP).json()["token"]

    assert as_(phone_key).post("/api/v1/auth/sign-out").status_code == 204

    assert as_(phone_key).get("/api/v1/me").status_code == 401
    assert as_(laptop_key).get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(action="auth.token_revoke", actor=her).count() == 1


def test_she_revokes_another_of_her_devices(her):
    phone_key, laptop_key = sign_in(PHONE_APP).json()["token"], sign_in(LAPTOP).json()["token"]
    laptop = ApiToken.objects.get(label=LAPTOP)

    assert as_(phone_key).delete(f"/api/v1/me/tokens/{laptop.pk}").status_code == 204

    assert as_(laptop_key).get("/api/v1/me").status_code == 401
    assert as_(phone_key).get("/api/v1/me").status_code == 200
    assert [t["label"] for t in as_(phone_key).get("/api/v1/me/tokens").json()] == [PHONE_APP]


def test_someone_elses_token_is_not_found_and_stays(her):
    key = sign_in(PHONE_APP).json()["token"]
    stranger = UserFactory()
    theirs_key = api_token_for(stranger)
    theirs = ApiToken.objects.get(user=stranger)
    audit_before = AuditEntry.objects.count()

    response = as_(key).delete(f"/api/v1/me/tokens/{theirs.pk}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert as_(theirs_key).get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.count() == audit_before


def test_pages_signed_in_by_session_list_tokens_too(her):
    sign_in(PHONE_APP)
    client = APIClient()
    client.force_login(her)

    listed = client.get("/api/v1/me/tokens").json()

    assert [(t["label"], t["current"]) for t in listed] == [(PHONE_APP, False)]


# --- lifetime ---------------------------------------------------------------------------------


def test_a_token_lapses_90_days_after_its_last_use(clock, her):
    key = sign_in(PHONE_APP).json()["token"]

    clock.move_to(T0 + datetime.timedelta(days=90, seconds=-1))
    assert as_(key).get("/api/v1/me").status_code == 200  # used: 90 more days from now
    clock.move_to(T0 + datetime.timedelta(days=179, hours=23))
    assert as_(key).get("/api/v1/me").status_code == 200
    clock.move_to(T0 + datetime.timedelta(days=269, hours=23, minutes=1))
    lapsed = as_(key).get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert lapsed.status_code == 401
    assert lapsed.json()["error"] == {
        "code": "authentication_failed",
        "message": "登录已失效，请重新登录。",
        "details": {},
    }
    assert as_(key).get("/api/v1/me/tokens").status_code == 401


def test_a_use_writes_the_new_expiry_at_most_once_an_hour(clock, her):
    key = sign_in(PHONE_APP).json()["token"]
    token = ApiToken.objects.get()

    clock.shift(datetime.timedelta(minutes=59))
    as_(key).get("/api/v1/me")
    unchanged = ApiToken.objects.get()
    clock.shift(datetime.timedelta(minutes=1))
    as_(key).get("/api/v1/me")
    moved = ApiToken.objects.get()

    assert (unchanged.last_used_at, unchanged.expires_at) == (token.last_used_at, token.expires_at)
    assert moved.last_used_at == T0 + datetime.timedelta(hours=1)
    assert moved.expires_at == T0 + datetime.timedelta(days=90, hours=1)


def test_within_the_hour_a_request_writes_nothing(clock, her, django_assert_num_queries):
    key = sign_in(PHONE_APP).json()["token"]
    clock.shift(datetime.timedelta(minutes=30))

    from accounts.tokens import user_for_token

    with django_assert_num_queries(1):  # one read, no write
        assert user_for_token(key) == her


def test_the_lifetime_is_a_setting(clock, her, settings):
    settings.HOMESLOT_TOKEN_DAYS = 7

    body = sign_in(PHONE_APP).json()
    clock.shift(datetime.timedelta(days=7))

    assert body["expires_at"] == "2026-12-08T09:00:00+08:00"
    assert as_(body["token"]).get("/api/v1/me").status_code == 401


def test_a_device_name_is_printable_and_short(her):
    sign_in("Evil\x00\x1b[31m" + "x" * 500)

    assert ApiToken.objects.get().label == "Evil[31m" + "x" * 120


def test_a_user_keeps_at_most_20_tokens_the_least_recently_used_go(clock, her):
    keys = []
    for i in range(21):
        clock.shift(datetime.timedelta(minutes=1))
        keys.append(sign_in(f"device {i}").json()["token"])

    assert ApiToken.objects.filter(user=her).count() == 20
    assert as_(keys[0]).get("/api/v1/me").status_code == 401
    assert as_(keys[1]).get("/api/v1/me").status_code == 200


# --- everything of hers ends ----------------------------------------------------------------------


def test_a_password_set_by_an_operator_ends_all_her_tokens_and_sessions(her):
    keys = [sign_in(PHONE_APP).json()["token"], sign_in(LAPTOP).json()["token"]]
    pages = Client()
    pages.force_login(her)
    operator = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(operator)

    changed = admin.post(
        f"/admin/accounts/user/{her.pk}/password/",
        {"password1": "a-new-long-password", "password2": "a-new-long-password", "set_usable_password": "true"},
    )

    assert changed.status_code == 302
    assert [as_(k).get("/api/v1/me").status_code for k in keys] == [401, 401]
    assert pages.get("/api/v1/me").status_code == 401  # the session is gone: anonymous
    assert ApiToken.objects.filter(user=her).count() == 0
    assert AuditEntry.objects.filter(action="user.password_set", actor=operator, target_id=str(her.pk)).count() == 1
    assert admin.get("/admin/").status_code == 200  # the operator herself stays signed in


def test_deactivation_in_the_admin_ends_all_her_tokens_and_sessions(her):
    key = sign_in(PHONE_APP).json()["token"]
    pages = Client()
    pages.force_login(her)
    operator = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(operator)
    form = {
        "phone": her.phone,
        "display_name": her.display_name,
        "is_staff": "",
        "is_superuser": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }  # "is_active" unticked

    changed = admin.post(f"/admin/accounts/user/{her.pk}/change/", form)

    assert changed.status_code == 302, changed.content.decode()[:2000]
    her.refresh_from_db()
    assert her.is_active is False
    assert as_(key).get("/api/v1/me").status_code == 401
    assert pages.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.filter(user=her).count() == 0
    assert AuditEntry.objects.filter(action="user.deactivate", actor=operator).count() == 1


# --- the tokens from before lifetimes ----------------------------------------------------------------


@pytest.fixture
def old_token_table():
    """The table DRF's authtoken app kept (a schema change: SQLite allows it only outside a transaction)."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS authtoken_token")


@pytest.mark.django_db(transaction=True)
def test_tokens_from_before_are_carried_over_hashed_and_the_old_table_goes(old_token_table):
    # given the table DRF's authtoken kept, with a clear-text key of hers
    her = UserFactory(phone="+8613800009999")
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created timestamp with time zone, '
            "user_id bigint NOT NULL)"
            if connection.vendor == "postgresql"
            else 'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created datetime, user_id bigint)'
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            ["9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), her.pk],
        )
    migration = importlib.import_module("accounts.migrations.0003_api_tokens")
    from django.apps import apps

    # when the migration's carry-over runs
    with connection.schema_editor() as editor:
        migration.carry_over(apps, editor)

    # then her key still works, only its digest is kept, and the clear-text table is gone
    me = as_("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b").get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == her.pk
    token = ApiToken.objects.get(user=her)
    assert token.digest == hashlib.sha256(b"9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b").hexdigest()
    assert token.created_at == datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    assert token.expires_at > timezone.now() + datetime.timedelta(days=89)
    assert "authtoken_token" not in connection.introspection.table_names()


def test_the_seed_and_test_helpers_make_tokens_that_work(her):
    key = api_token_for(her)

    assert as_(key).get("/api/v1/me").json()["id"] == her.pk
    assert services.api_token_issue(user=her, label="x")[1] != key

import pytest
from django.contrib.auth.hashers import identify_hasher
from rest_framework.test import APIClient

from accounts.errors import InvalidPhone
from accounts.models import AuditEntry, User
from accounts.phones import phone_masked, phone_normalize
from tests.factories import PASSWORD, UserFactory


@pytest.mark.parametrize("raw", ["13800000001", "+8613800000001", "138 0000 0001", "138-0000-0001", "008613800000001"])
def test_phone_numbers_are_stored_e164(raw):
    assert phone_normalize(raw) == "+8613800000001"


@pytest.mark.parametrize("raw", ["", "12345", "02088888888", "+14155550100", "abc", "1380000000", "1" * 40, None])
def test_invalid_phone_numbers(raw):
    with pytest.raises(InvalidPhone):
        phone_normalize(raw)


def test_phone_mask():
    assert phone_masked("+8613800000001") == "138****0001"


def token(client, phone, password, **extra):
    return client.post("/api/v1/auth/token", {"phone": phone, "password": password}, format="json", **extra)


def test_sign_in_returns_a_token_and_the_user(db):
    user = UserFactory(phone="+8613800000009")

    response = token(APIClient(), "138 0000 0009", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": user.pk,
        "phone": "13800000009",
        "display_name": user.display_name,
        "roles": [],
        "is_worker": False,
    }
    me = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == user.pk
    assert AuditEntry.objects.filter(action="auth.token_issue", actor=user).count() == 1


def test_wrong_password_is_a_clear_400(db):
    UserFactory(phone="+8613800000009")

    response = token(APIClient(), "13800000009", "wrong", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_credentials",
        "message": "The phone number or password is not right.",
        "details": {},
    }


def test_messages_follow_the_callers_language(db):
    response = token(APIClient(), "12", "x", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_phone"
    assert "手机号" in response.json()["error"]["message"]


def test_sign_in_is_limited_per_phone_number(db, settings):
    UserFactory(phone="+8613800000009")
    client = APIClient()
    for _ in range(5):
        assert token(client, "13800000009", "wrong", REMOTE_ADDR="10.0.0.1").status_code == 400

    limited = token(client, "13800000009", PASSWORD, REMOTE_ADDR="10.0.0.2")

    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    # another number from the same address is still fine
    UserFactory(phone="+8613800000008")
    assert token(client, "13800000008", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_sign_in_is_limited_per_address(db):
    client = APIClient()
    codes = [token(client, f"1380000{i:04d}", "x", REMOTE_ADDR="10.0.0.9").status_code for i in range(21)]

    assert codes[:20] == [400] * 20 and codes[20] == 429


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user("13800000007", "a-long-password")

    assert identify_hasher(user.password).algorithm == "argon2"


def test_unauthenticated_requests_get_401(db):
    response = APIClient().get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_bad_token_gets_401(db):
    response = APIClient(HTTP_AUTHORIZATION="Token nope").get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_sign_out_revokes_the_token(db):
    UserFactory(phone="+8613800000009")
    key = token(APIClient(), "13800000009", PASSWORD).json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.post("/api/v1/auth/sign-out").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_malformed_json_is_a_400(db):
    response = APIClient().post("/api/v1/auth/token", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"

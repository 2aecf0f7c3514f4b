"""Sign-in limits: per phone number and per client address, on every way in, closed when they cannot count."""

import socket

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEntry, User
from tests.factories import PASSWORD, UserFactory, api_token_for


def sign_in(client, phone, password, **extra):
    return client.post("/api/v1/auth/token", {"phone": phone, "password": password}, format="json", **extra)


def spend_the_address_limit(client, address, **extra):
    """20 attempts with 20 different numbers from one address: the 21st is the first one refused."""
    for i in range(20):
        assert sign_in(client, f"1380000{i:04d}", "wrong", REMOTE_ADDR=address, **extra).status_code == 400


# --- whose address counts ---------------------------------------------------------------------


@pytest.mark.parametrize("forged", ["203.0.113.7", "203.0.113.7, 10.0.0.1", "garbage", "1.2.3.4, 5.6.7.8, 9.9.9.9"])
def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing(db, forged):
    # given a peer that spent its 20 attempts, with no proxy configured (the default)
    UserFactory(phone="+8613800009999")
    client = APIClient()
    spend_the_address_limit(client, "198.51.100.20")

    # when it sends a new X-Forwarded-For with each further attempt, the right password included
    answers = [
        sign_in(client, "13800009999", PASSWORD, REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"{forged}, {i}")
        for i in range(3)
    ]

    # then it is still the peer that counts: no token
    assert [a.status_code for a in answers] == [429, 429, 429]
    assert all("token" not in a.json() for a in answers)


def test_behind_a_trusted_proxy_the_clients_address_counts(db, settings):
    # given the platform behind a proxy at 10.1.2.3 (a network of proxies, here a /24)
    settings.HOMESLOT_TRUSTED_PROXIES = ["10.1.2.0/24"]
    UserFactory(phone="+8613800009999")
    client = APIClient()
    spend_the_address_limit(client, "10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.7")

    # when that client tries again through another of the proxies, and another client comes in
    again = sign_in(client, "13800009999", PASSWORD, REMOTE_ADDR="10.1.2.4", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = sign_in(client, "13800009999", PASSWORD, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.8")

    # then the client that spent its attempts is refused, and the other one is not
    assert again.status_code == 429
    assert other.status_code == 200


def test_a_client_cannot_hide_behind_an_address_it_puts_left_of_the_proxy(db, settings):
    # given one trusted proxy, which appends the address it saw to what the client sent
    settings.HOMESLOT_TRUSTED_PROXIES = ["10.1.2.3"]
    client = APIClient()
    spend_the_address_limit(client, "10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.7")
    UserFactory(phone="+8613800009999")

    # when the same client claims to be someone else, in front of its real address
    forged = sign_in(
        client, "13800009999", PASSWORD, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7"
    )

    # then the address the proxy saw is the one counted
    assert forged.status_code == 429


def test_an_ipv6_client_counts_by_its_64_network(db):
    # given 20 attempts, each from another address of one /64 (one subscriber's block)
    client = APIClient()
    for i in range(20):
        assert sign_in(client, f"1380000{i:04d}", "wrong", REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}").status_code == 400
    UserFactory(phone="+8613800009999")

    # when yet another address of the block tries, and an address of the next block
    same_block = sign_in(client, "13800009999", PASSWORD, REMOTE_ADDR="2001:db8:1:2:ffff::1")
    next_block = sign_in(client, "13800009999", PASSWORD, REMOTE_ADDR="2001:db8:1:3::1")

    # then the block is refused and its neighbour is not
    assert same_block.status_code == 429
    assert next_block.status_code == 200


# --- when the counters cannot be read ----------------------------------------------------------


@pytest.fixture
def redis_down():
    """The cache is a real Redis client pointed at a port where nothing listens (Redis is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    with override_settings(CACHES=unreachable):
        with pytest.raises(redis.exceptions.ConnectionError):
            cache.get("anything")  # really down, not a stand-in
        yield


def test_with_redis_down_sign_in_is_refused_in_her_language(db, redis_down):
    # given a mother and a Redis that does not answer
    user = UserFactory(phone="+8613800009999")

    # when she, and someone guessing her password, try to sign in
    guesses = [sign_in(APIClient(), "13800009999", f"guess-{i}", HTTP_ACCEPT_LANGUAGE="zh-hans") for i in range(20)]
    right = sign_in(APIClient(), "13800009999", PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")

    # then no attempt is tried at all: a clear 503 with when to come back, and no token exists
    assert {g.status_code for g in guesses} == {503}
    assert right.status_code == 503
    assert right.json() == {
        "error": {"code": "sign_in_unavailable", "message": "暂时无法登录，请您过一分钟再试。", "details": {}}
    }
    assert right["Retry-After"] == "30"
    assert not ApiToken.objects.filter(user=user).exists()
    assert not AuditEntry.objects.filter(action="auth.token_issue").exists()


def test_with_redis_down_the_sign_in_page_says_so(db, redis_down):
    UserFactory(phone="+8613800009999")

    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/signin/", {"phone": "13800009999", "password": PASSWORD})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Signing in is not possible for a moment. Please try again in a minute." in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_with_redis_down_an_invitation_cannot_be_accepted(db, redis_down):
    response = APIClient().post(
        "/api/v1/auth/accept-invitation",
        {"phone": "13800009999", "code": "123456", "password": "a-long-password", "display_name": "王"},
        format="json",
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "sign_in_unavailable"


def test_with_redis_down_signed_in_people_still_read_their_pages(db, redis_down, mother):
    # given a mother signed in on the API (a token issued before the outage) and on the pages
    key = api_token_for(mother)
    pages = Client()
    pages.force_login(mother)

    # when she reads
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me")
    hall = pages.get("/m/setup/")

    # then the outage costs her nothing
    assert api.status_code == 200 and api.json()["id"] == mother.pk
    assert hall.status_code == 200


# --- the admin's login ------------------------------------------------------------------------


def admin_login(client, phone, password, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": phone, "password": password}, **extra)


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("+8613600009999", PASSWORD)


def test_the_admin_login_is_limited_per_phone_number_on_the_same_counter(operator):
    # given 3 wrong guesses through the API and 2 through the admin, from different addresses
    for i in range(3):
        assert sign_in(APIClient(), "13600009999", "wrong", REMOTE_ADDR=f"10.0.0.{i}").status_code == 400
    for i in range(2):
        assert admin_login(Client(), "+8613600009999", "wrong", REMOTE_ADDR=f"10.0.1.{i}").status_code == 200

    # when the right password comes next, through the admin
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    refused = admin_login(client, "+8613600009999", PASSWORD, REMOTE_ADDR="10.0.2.1")

    # then it is not tried: 429, nobody signed in
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts. Please wait a minute and try again." in refused.content.decode()
    assert client.get("/admin/").status_code == 302  # still sent to the login


def test_the_admin_login_is_limited_per_address(operator):
    client = Client()
    for i in range(20):
        assert admin_login(client, f"+86138{i:08d}", "wrong", REMOTE_ADDR="10.0.0.9").status_code == 200

    assert admin_login(client, "+8613600009999", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert admin_login(client, "+8613600009999", PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_the_admin_login_without_its_limits_is_closed(operator, redis_down):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    response = admin_login(client, "+8613600009999", PASSWORD)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "暂时无法登录，请您过一分钟再试。" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_admin_login_page_itself_is_not_counted(operator):
    client = Client()
    for _ in range(30):
        assert client.get("/admin/login/").status_code == 200

    assert admin_login(client, "+8613600009999", PASSWORD).status_code == 302

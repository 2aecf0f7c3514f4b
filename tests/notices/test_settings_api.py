"""Her notification settings and her browsers' subscriptions through the API: what she changes
sticks, bad input is a 400 that changes nothing, the same browser twice is one row, and no one
touches another person's."""

import pytest

from notices.models import NoticeSettings, PushSubscription
from tests.conftest import api_for
from tests.notices.pushservice import Browser, b64url
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db
SETTINGS = "/api/v1/me/notification-settings"
SUBSCRIPTIONS = "/api/v1/me/push-subscriptions"


def subscription(endpoint="https://fcm.googleapis.com/fcm/send/abc", browser=None):
    browser = browser or Browser()
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)},
    }


def test_the_defaults_then_what_she_changes(mother, settings):
    settings.HOMESLOT_VAPID_PUBLIC_KEY, settings.HOMESLOT_VAPID_PRIVATE_KEY = "BPUB", "priv"
    settings.HOMESLOT_VAPID_SUBJECT = "mailto:ops@homeslot.test"
    client = api_for(mother)

    assert client.get(SETTINGS).json() == {
        "push": {"reviews": True, "reminders": True, "payouts": True, "other": True},
        "sms": {"reminders": True, "payouts": True},
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "vapid_public_key": "BPUB",
        "sms_daily_cap": 3,
    }
    changed = client.put(
        SETTINGS, {"push": {"reviews": False}, "sms": {"payouts": False}, "quiet_start": "21:30"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    body = client.get(SETTINGS).json()
    assert body["push"] == {"reviews": False, "reminders": True, "payouts": True, "other": True}
    assert body["sms"] == {"reminders": True, "payouts": False}
    assert (body["quiet_start"], body["quiet_end"]) == ("21:30", "07:00")
    # The profile shows the same quiet hours, and changes them in the same place.
    assert client.get("/api/v1/me/profile").json()["quiet_start"] == "21:30"


@pytest.mark.parametrize(
    "body",
    [
        {"push": {"reviews": "no"}},
        {"push": {"reviews": 0}},
        {"push": {"holidays": False}},
        {"sms": {"reviews": False}},  # reviews never go by SMS: no switch
        {"push": [True]},
        {"quiet_start": "25:00"},
        {"quiet_end": 7},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(mother, body):
    api_for(mother).put(SETTINGS, {"push": {"other": False}}, format="json")
    before = world()

    assert_refused(api_for(mother).put(SETTINGS, body, format="json"), 400, "invalid", before)
    assert NoticeSettings.objects.get(user=mother).push_other is False


def test_the_same_browser_twice_is_one_subscription(mother):
    client = api_for(mother)
    body = subscription()

    first = client.post(SUBSCRIPTIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(SUBSCRIPTIONS, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    retried = client.post(SUBSCRIPTIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert retried.status_code == 201 and retried.json() == first.json()
    assert PushSubscription.objects.count() == 1
    assert [s["id"] for s in client.get(SUBSCRIPTIONS).json()] == [first.json()["id"]]


def test_a_browser_another_account_had_moves_to_the_one_signed_in(mother, other_mother):
    body = subscription()
    api_for(other_mother).post(SUBSCRIPTIONS, body, format="json")

    assert api_for(mother).post(SUBSCRIPTIONS, body, format="json").status_code == 201
    assert PushSubscription.objects.get().user == mother


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),
        ({"endpoint": "not a url"}, "endpoint"),
        # the worker POSTs to what it keeps: no machine of ours, no service but the browsers' own
        ({"endpoint": "https://[::1"}, "endpoint"),
        ({"endpoint": "https://127.0.0.1:8443/x"}, "endpoint"),
        ({"endpoint": "https://169.254.169.254/latest/meta-data"}, "endpoint"),
        ({"endpoint": "https://10.0.0.5/push"}, "endpoint"),
        ({"endpoint": "https://localhost/push"}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com:8443/fcm/send/abc"}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/fcm/send/abc"}, "endpoint"),
        ({"endpoint": "https://push.example.com/x"}, "endpoint"),
        ({"keys": {"p256dh": "AAAA", "auth": b64url(b"x" * 16)}}, "keys.p256dh"),
        ({"keys": {"p256dh": Browser().p256dh, "auth": "short"}}, "keys.auth"),
    ],
)
def test_a_bad_subscription_is_refused_and_changes_nothing(mother, change, field):
    before = world()
    response = api_for(mother).post(SUBSCRIPTIONS, {**subscription(), **change}, format="json")

    assert_refused(response, 400, "invalid_push_subscription", before)
    assert response.json()["error"]["details"] == {"field": field}


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://wns2-by3p.notify.windows.com/w/?token=abc",
        "https://web.push.apple.com/QGq-abc",
    ],
)
def test_the_browsers_push_services_are_taken(mother, endpoint):
    assert api_for(mother).post(SUBSCRIPTIONS, subscription(endpoint), format="json").status_code == 201


def test_a_subscription_without_keys_is_refused(mother):
    before = world()
    response = api_for(mother).post(SUBSCRIPTIONS, {"endpoint": "https://push.example.com/x"}, format="json")
    assert_refused(response, 400, "invalid", before)


def test_she_deletes_her_own_browser_and_no_one_else_can(mother, other_mother):
    made = api_for(mother).post(SUBSCRIPTIONS, subscription(), format="json").json()
    before = world()

    refused = api_for(other_mother).delete(f"{SUBSCRIPTIONS}/{made['id']}")
    assert_refused(refused, 404, "push_subscription_not_found", before)
    assert api_for(mother).delete(f"{SUBSCRIPTIONS}/{made['id']}").status_code == 204
    assert not PushSubscription.objects.exists()

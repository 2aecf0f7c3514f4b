"""Notices reach her phone: Web Push to a push service (faked on this machine at the HTTP boundary,
the message decrypted with the browser's own key), SMS for what must not be missed within a daily
cap, both held back in her quiet hours and silent where she switched them off; never twice."""

import datetime
import json

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts import sms
from notices import jobs
from notices.delivery import delivery_run
from notices.models import Delivery, DeliveryStatus, Notice, NoticeKind, NoticeSettings, PushSubscription
from notices.services import notice_app_seen, notice_send, notice_settings_save, push_subscription_save
from tests.notices.pushservice import Browser, PushService, b64url, unb64url, vapid_keys

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MORNING = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)  # a Wednesday, outside quiet hours
LATE = datetime.datetime(2026, 12, 2, 23, 0, tzinfo=SHANGHAI)  # in the default quiet hours


@pytest.fixture
def service():
    push_service = PushService()
    yield push_service
    push_service.close()


@pytest.fixture
def vapid(settings):
    public, private = vapid_keys()
    settings.HOMESLOT_VAPID_PUBLIC_KEY, settings.HOMESLOT_VAPID_PRIVATE_KEY = public, private
    settings.HOMESLOT_VAPID_SUBJECT = "mailto:ops@homeslot.test"
    settings.HOMESLOT_PUSH_ALLOW_HTTP = True
    return public


@pytest.fixture
def texts(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def browser(mother, service, vapid):
    keys = Browser()
    push_subscription_save(user=mother, endpoint=service.endpoint(), p256dh=keys.p256dh, auth=b64url(keys.auth))
    return keys


def send(user, django_capture_on_commit_callbacks, *, key="review:1", kind=NoticeKind.REVIEW_ACCEPTED, **extra):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notice = notice_send(user_id=user.pk, kind=kind, key=key, text="您提交的“缝纽扣”已通过", **extra)
    return notice, callbacks


def test_a_notice_is_pushed_encrypted_and_signed_once(
    mother, browser, service, vapid, django_capture_on_commit_callbacks
):
    with time_machine.travel(MORNING, tick=False):
        notice, callbacks = send(mother, django_capture_on_commit_callbacks, data={"submission": 3, "claim": 5})
        assert len(callbacks) >= 1  # the job is enqueued after commit
        assert jobs.notice_deliver.call(notice.pk) == 1
        assert jobs.notice_deliver.call(notice.pk) == 0  # a second run sends nothing
        assert jobs.deliveries_run.call() == 0

    [request] = service.received
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
    scheme, params = headers["authorization"].split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and fields["k"] == vapid
    claims = json.loads(unb64url(fields["t"].split(".")[1]))
    assert claims["sub"] == "mailto:ops@homeslot.test" and claims["aud"] == service.endpoint().rsplit("/push", 1)[0]
    message = browser.read(request["body"])
    assert message == {
        "title": "妈妈岗 · 审核结果",
        "body": "您提交的“缝纽扣”已通过",
        "url": "/m/claims/5/",
        "tag": f"notice-{notice.pk}",
        "notice": notice.pk,
    }
    delivery = Delivery.objects.get(notice=notice, channel="push")
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (DeliveryStatus.SENT, 1, MORNING)
    assert PushSubscription.objects.get().last_success_at == MORNING


def test_a_gone_subscription_is_deleted(mother, browser, service, django_capture_on_commit_callbacks):
    service.status = 410
    with time_machine.travel(MORNING, tick=False):
        notice, _ = send(mother, django_capture_on_commit_callbacks)
        jobs.notice_deliver.call(notice.pk)

    assert len(service.received) == 1 and not PushSubscription.objects.exists()
    assert Delivery.objects.get(notice=notice).status == DeliveryStatus.SKIPPED
    assert Notice.objects.filter(pk=notice.pk).exists()  # the inbox keeps it


def test_a_failure_is_tried_again_later_a_bounded_number_of_times(
    mother, browser, service, django_capture_on_commit_callbacks
):
    service.status = 500
    with time_machine.travel(MORNING, tick=False):
        notice, _ = send(mother, django_capture_on_commit_callbacks)
        jobs.notice_deliver.call(notice.pk)
        assert jobs.deliveries_run.call() == 0  # not due again yet
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.due_at == MORNING + datetime.timedelta(minutes=1)
    assert PushSubscription.objects.get().failure_count == 1

    at = MORNING
    for _attempt in range(5):
        at += datetime.timedelta(hours=1)
        with time_machine.travel(at, tick=False):
            jobs.deliveries_run.call()
    assert len(service.received) == 4  # four attempts, then it stops
    assert Delivery.objects.get(notice=notice).status == DeliveryStatus.FAILED

    service.status = 201  # a later notice still reaches the subscription
    with time_machine.travel(at, tick=False):
        later, _ = send(mother, django_capture_on_commit_callbacks, key="review:2")
        assert jobs.notice_deliver.call(later.pk) == 1
    assert PushSubscription.objects.get().failure_count == 0


def test_quiet_hours_hold_push_back_until_they_end(mother, browser, service, django_capture_on_commit_callbacks):
    with time_machine.travel(LATE, tick=False):
        notice, _ = send(mother, django_capture_on_commit_callbacks)
        assert jobs.notice_deliver.call(notice.pk) == 0
    assert Notice.objects.filter(pk=notice.pk).exists() and service.received == []
    delivery = Delivery.objects.get(notice=notice)
    seven = datetime.datetime(2026, 12, 3, 7, 0, tzinfo=SHANGHAI)
    assert (delivery.status, delivery.due_at, delivery.attempts) == (DeliveryStatus.PENDING, seven, 0)

    with time_machine.travel(seven - datetime.timedelta(minutes=1), tick=False):
        assert jobs.deliveries_run.call() == 0
    with time_machine.travel(seven, tick=False):
        assert jobs.deliveries_run.call() == 1
    assert len(service.received) == 1


def test_her_own_quiet_hours_count(mother, browser, service, django_capture_on_commit_callbacks):
    notice_settings_save(user=mother, quiet_start=datetime.time(0), quiet_end=datetime.time(0))  # none
    with time_machine.travel(LATE, tick=False):
        notice, _ = send(mother, django_capture_on_commit_callbacks)
        assert jobs.notice_deliver.call(notice.pk) == 1


def test_a_category_she_switched_off_is_not_pushed_but_kept(
    mother, browser, service, django_capture_on_commit_callbacks
):
    notice_settings_save(user=mother, push_reviews=False)
    with time_machine.travel(MORNING, tick=False):
        notice, _ = send(mother, django_capture_on_commit_callbacks)
        reminder, _ = send(
            mother, django_capture_on_commit_callbacks, key="claim-expired:1", kind=NoticeKind.CLAIM_EXPIRED
        )
        jobs.notice_deliver.call(notice.pk)
        jobs.notice_deliver.call(reminder.pk)

    assert Delivery.objects.get(notice=notice).detail == "switched_off"
    assert [browser.read(r["body"])["notice"] for r in service.received] == [reminder.pk]
    assert Notice.objects.filter(user=mother).count() == 2


def test_without_vapid_keys_push_is_off(mother, browser, service, settings, django_capture_on_commit_callbacks):
    settings.HOMESLOT_VAPID_PRIVATE_KEY = ""
    with time_machine.travel(MORNING, tick=False):
        notice, _ = send(mother, django_capture_on_commit_callbacks)
        jobs.notice_deliver.call(notice.pk)
    assert service.received == [] and Delivery.objects.get(notice=notice).detail == "push_off"


def payout(mother, django_capture_on_commit_callbacks, n: int):
    return send(
        mother,
        django_capture_on_commit_callbacks,
        key=f"payout:{n}:{mother.pk}",
        kind=NoticeKind.PAYOUT_PAID,
        sms_params={"amount": "¥12.00"},
    )[0]


def test_a_payout_goes_by_sms_at_most_three_a_day(mother, texts, django_capture_on_commit_callbacks):
    with time_machine.travel(MORNING, tick=False):
        notices = [payout(mother, django_capture_on_commit_callbacks, n) for n in range(4)]
        for notice in notices:
            jobs.notice_deliver.call(notice.pk)
            jobs.notice_deliver.call(notice.pk)  # twice: once only

    assert texts == [(mother.phone, "您提交的“缝纽扣”已通过")] * 3
    assert [d.detail for d in Delivery.objects.filter(channel="sms").order_by("pk")] == ["", "", "", "daily_cap"]
    with time_machine.travel(MORNING + datetime.timedelta(days=1), tick=False):  # a new day
        jobs.notice_deliver.call(payout(mother, django_capture_on_commit_callbacks, 9).pk)
    assert len(texts) == 4


def test_sms_waits_for_quiet_hours_and_respects_her_choice(mother, texts, django_capture_on_commit_callbacks):
    with time_machine.travel(LATE, tick=False):
        notice = payout(mother, django_capture_on_commit_callbacks, 1)
        jobs.notice_deliver.call(notice.pk)
    assert texts == []
    with time_machine.travel(datetime.datetime(2026, 12, 3, 7, 5, tzinfo=SHANGHAI), tick=False):
        jobs.deliveries_run.call()
    assert len(texts) == 1

    notice_settings_save(user=mother, sms_payouts=False)
    with time_machine.travel(MORNING + datetime.timedelta(days=1), tick=False):
        jobs.notice_deliver.call(payout(mother, django_capture_on_commit_callbacks, 2).pk)
    assert len(texts) == 1


def deadline(mother, django_capture_on_commit_callbacks, *, claimed_at, key="deadline:1"):
    at = timezone.now() + datetime.timedelta(minutes=30)
    return send(
        mother,
        django_capture_on_commit_callbacks,
        key=key,
        kind=NoticeKind.DEADLINE_NEAR,
        data={"claim": 1, "at": at.isoformat()},
        sms_params={"task": "缝纽扣", "time": at.strftime("%H:%M")},
        sms_unless_seen_since=claimed_at,
    )[0]


def test_a_claim_about_to_expire_goes_by_sms_only_when_she_has_not_opened_the_app(
    mother, texts, django_capture_on_commit_callbacks
):
    claimed_at = MORNING - datetime.timedelta(hours=1)
    with time_machine.travel(MORNING - datetime.timedelta(minutes=20), tick=False):
        assert notice_app_seen(user_id=mother.pk) is True
        assert notice_app_seen(user_id=mother.pk) is False  # at most once a minute
    with time_machine.travel(MORNING, tick=False):
        seen = deadline(mother, django_capture_on_commit_callbacks, claimed_at=claimed_at)
        jobs.notice_deliver.call(seen.pk)
        unseen = deadline(
            mother, django_capture_on_commit_callbacks, claimed_at=MORNING - datetime.timedelta(minutes=10), key="d:2"
        )
        jobs.notice_deliver.call(unseen.pk)

    assert Delivery.objects.get(notice=seen, channel="sms").detail == "seen_app"
    assert texts == [(mother.phone, "您提交的“缝纽扣”已通过")]
    assert NoticeSettings.objects.get(user=mother).app_seen_at == MORNING - datetime.timedelta(minutes=20)


def test_a_delivery_not_due_is_left_alone(mother, texts, django_capture_on_commit_callbacks):
    with time_machine.travel(MORNING, tick=False):
        notice = payout(mother, django_capture_on_commit_callbacks, 1)
    delivery = Delivery.objects.get(notice=notice)
    with time_machine.travel(MORNING - datetime.timedelta(minutes=1), tick=False):
        assert delivery_run(delivery_id=delivery.pk) == ""
    assert texts == []

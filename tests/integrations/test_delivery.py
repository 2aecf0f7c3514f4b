"""Webhooks end to end: real services write the outbox, the job fans out and POSTs to a real HTTP
receiver on this machine, which checks each request's Standard Webhooks signature."""

import datetime
import json

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import Role
from background.periodic import schedule
from integrations import fanout, jobs, sending
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from notices.models import Notice, NoticeKind
from realtime.models import OutboxEvent
from tests import factories
from tests.conftest import api_for
from tests.fairwork.test_jobs_and_rules import submitted
from tests.integrations.conftest import Receiver, free_port, register

pytestmark = pytest.mark.django_db


def soon() -> datetime.datetime:
    """A whole second just after now: the moment a test's first run of the job happens."""
    return timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=1)


def run(at: datetime.datetime | None = None) -> dict:
    """The minute's job, now or at ``at``."""
    if at is None:
        return jobs.webhooks_run.call()
    with time_machine.travel(at, tick=False):
        return jobs.webhooks_run.call()


def verified(secret: str, request: dict, at: datetime.datetime | None = None) -> dict:
    """The request's payload, if its signature is the secret's (at the time it was sent)."""
    with time_machine.travel(at or timezone.now(), tick=False):
        return Webhook(secret).verify(request["body"], request["headers"])


def review(supervisor, submission, **body):
    response = api_for(supervisor).post(f"/api/v1/submissions/{submission.pk}/review", body, format="json")
    assert response.status_code == 200, response.content
    return response


def test_each_event_arrives_once_signed_and_a_tampered_body_fails(
    receiver, admin_user, company, supervisor, mother, assembly, slot
):
    endpoint, secret = register(admin_user, company, receiver.url)
    submission = submitted(mother, assembly, slot)
    review(supervisor, submission, decision="accept")

    assert run() == {"made": 2, "delivered": 2}
    assert run() == {}  # nothing new, nothing again

    assert receiver.types() == ["submission.created", "submission.reviewed"]
    staff = OutboxEvent.objects.filter(group=f"company.{company.pk}.staff")
    created = staff.get(type="submission.created")
    decided = staff.get(type="review.decided")
    first, second = receiver.requests
    assert first["path"] == "/hooks"
    assert first["headers"]["webhook-id"] == f"evt_{created.pk}"
    assert second["headers"]["webhook-id"] == f"evt_{decided.pk}"
    assert verified(secret, first) == {
        "type": "submission.created",
        "timestamp": created.at.isoformat(),
        "data": created.data,
    }
    assert verified(secret, second)["data"] == decided.data and decided.data["decision"] == "accept"
    assert second["headers"]["Content-Type"] == "application/json"
    tampered = {**second, "body": second["body"].replace(b'"accept"', b'"reject"')}
    with pytest.raises(WebhookVerificationError):
        verified(secret, tampered)
    with pytest.raises(WebhookVerificationError):
        verified("whsec_" + "A" * 43, second)  # another endpoint's secret
    rows = list(WebhookDelivery.objects.order_by("event_id").values_list("status", "attempts", "last_status_code"))
    assert rows == [("delivered", 1, 200), ("delivered", 1, 200)]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_only_the_chosen_types_of_her_company_after_the_endpoint_was_made(
    receiver, admin_user, company, other_company, supervisor, mother, assembly, slot
):
    early = submitted(mother, assembly, slot)  # before the endpoint: not sent
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5), tick=True):
        register(admin_user, company, receiver.url, ["submission.reviewed"])
        other_admin = factories.staff(other_company, Role.ADMIN)
        register(other_admin, other_company, receiver.url.replace("/hooks", "/other"), ["submission.reviewed"])
        review(supervisor, early, decision="accept")
        run()

    assert receiver.types() == ["submission.reviewed"]  # not the submission made before, not the other company's
    assert [request["path"] for request in receiver.requests] == ["/hooks"]


def test_a_change_that_rolled_back_sends_nothing(receiver, admin_user, company, mother, assembly, slot):
    register(admin_user, company, receiver.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        submitted(mother, assembly, slot)
        raise RuntimeError("the change is undone")
    run()

    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_receiver_that_is_down_gets_what_it_missed_once_it_is_back(
    loopback, admin_user, company, supervisor, mother, assembly, slot
):
    port = free_port()
    endpoint, secret = register(admin_user, company, f"http://127.0.0.1:{port}/hooks")
    submission = submitted(mother, assembly, slot)
    review(supervisor, submission, decision="accept")
    t0 = soon()

    assert run(t0) == {"made": 2}
    [failed] = WebhookDelivery.objects.filter(attempts=1)  # the endpoint failed once: not tried again this run
    assert failed.status == "pending" and failed.last_status_code is None and "Refused" in failed.last_error
    assert failed.next_attempt_at == t0 + datetime.timedelta(seconds=30)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since == t0
    run(t0 + datetime.timedelta(seconds=10))  # not due yet
    assert WebhookDelivery.objects.get(pk=failed.pk).attempts == 1
    run(t0 + datetime.timedelta(seconds=30))
    again = WebhookDelivery.objects.get(pk=failed.pk)
    assert again.attempts == 2 and again.next_attempt_at == t0 + datetime.timedelta(seconds=60)

    back = Receiver(port)
    try:
        later = t0 + datetime.timedelta(minutes=3)
        assert run(later) == {"delivered": 2}
        run(later + datetime.timedelta(minutes=5))
    finally:
        back.close()

    assert sorted(back.types()) == ["submission.created", "submission.reviewed"]  # once each
    assert all(verified(secret, request, later) for request in back.requests)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_an_answer_that_is_not_2xx_is_tried_again_later(receiver, admin_user, company, mother, assembly, slot):
    register(admin_user, company, receiver.url, ["submission.created"])
    submitted(mother, assembly, slot)
    t0 = soon()
    receiver.status = 500

    run(t0)
    waiting = WebhookDelivery.objects.get()
    assert (waiting.status, waiting.last_status_code, waiting.last_error) == (
        "pending",
        500,
        "HTTP 500 Internal Server Error",
    )
    receiver.status = 302  # a redirect is not followed: an answer like any other
    run(t0 + datetime.timedelta(seconds=30))
    assert WebhookDelivery.objects.get().last_status_code == 302
    receiver.status = 204
    run(t0 + datetime.timedelta(minutes=2))

    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [f"evt_{waiting.event_id}"] * 3
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_day_of_failures_turns_the_endpoint_off_tells_the_admins_and_it_resumes_when_on(
    loopback, admin_user, company, supervisor, mother, assembly, slot
):
    port = free_port()
    endpoint, _secret = register(
        admin_user, company, f"http://127.0.0.1:{port}/hooks", ["submission.created", "submission.reviewed"]
    )
    submission = submitted(mother, assembly, slot)
    t0 = soon()
    run(t0)
    with time_machine.travel(t0 + datetime.timedelta(hours=20), tick=False):
        review(supervisor, submission, decision="accept")  # a second event, still waiting when the day is over

    moment = t0
    for _ in range(100):
        run(moment)
        if WebhookEndpoint.objects.get(pk=endpoint.pk).disabled_at:
            break
        due = WebhookDelivery.objects.filter(status="pending").order_by("next_attempt_at").first()
        moment = max(due.next_attempt_at, moment + datetime.timedelta(seconds=1))
    off = WebhookEndpoint.objects.get(pk=endpoint.pk)
    first, second = WebhookDelivery.objects.order_by("event_id")

    assert off.disabled_at == t0 + datetime.timedelta(hours=24) and off.disabled_reason == "failing"
    assert first.status == "failed" and first.next_attempt_at is None and 25 <= first.attempts <= 40
    assert second.status == "pending"
    [notice] = Notice.objects.filter(kind=NoticeKind.WEBHOOK_DISABLED)
    assert notice.user_id == admin_user.pk and endpoint.url in notice.text
    assert notice.data == {"company": company.pk, "webhook": endpoint.pk, "url": endpoint.url}
    assert not Notice.objects.filter(kind=NoticeKind.WEBHOOK_DISABLED, user=supervisor).exists()
    attempts = second.attempts
    run(moment + datetime.timedelta(hours=2))
    assert WebhookDelivery.objects.get(pk=second.pk).attempts == attempts  # off: nothing is tried

    back = Receiver(port)
    try:
        turned_on = moment + datetime.timedelta(hours=3)
        with time_machine.travel(turned_on, tick=False):
            response = api_for(admin_user).patch(f"/api/v1/webhooks/{endpoint.pk}", {"enabled": True}, format="json")
        assert response.status_code == 200 and response.json()["enabled"] is True
        assert response.json()["failing_since"] is None
        run(turned_on)
    finally:
        back.close()

    assert len(back.requests) == 1 and back.requests[0]["headers"]["webhook-id"] == f"evt_{second.event_id}"
    assert WebhookDelivery.objects.get(pk=second.pk).status == "delivered"


def test_during_a_rotation_both_secrets_verify_then_only_the_new_one(
    receiver, admin_user, company, mother, assembly, slot, supervisor
):
    endpoint, old = register(admin_user, company, receiver.url, ["submission.created", "submission.reviewed"])
    rotated = api_for(admin_user).post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret").json()
    submission = submitted(mother, assembly, slot)
    new = rotated["secret"]
    t0 = soon()
    run(t0)
    later = t0 + datetime.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        review(supervisor, submission, decision="accept")
    run(later)

    during, after = receiver.requests
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(old, during, t0)["type"] == verified(new, during, t0)["type"] == "submission.created"
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    assert verified(new, after, later)["type"] == "submission.reviewed"
    with pytest.raises(WebhookVerificationError):
        verified(old, after, later)


def test_a_replay_sends_again_with_the_same_webhook_id(receiver, admin_user, company, mother, assembly, slot):
    endpoint, secret = register(admin_user, company, receiver.url, ["submission.created"])
    submitted(mother, assembly, slot)
    run()
    delivery = WebhookDelivery.objects.get()

    log = api_for(admin_user).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()["results"]
    replayed = api_for(admin_user).post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/replay")
    run()

    assert [(row["status"], row["attempts"], row["webhook_id"]) for row in log] == [
        ("delivered", 1, f"evt_{delivery.event_id}")
    ]
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    first, again = receiver.requests
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"] == f"evt_{delivery.event_id}"
    assert json.loads(first["body"]) == verified(secret, again)
    assert WebhookDelivery.objects.get().attempts == 2
    assert (
        api_for(admin_user).post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk + 99}/replay").status_code
        == 404
    )


def test_a_host_that_resolves_to_a_private_address_is_not_called(
    monkeypatch, admin_user, company, mother, assembly, slot
):
    endpoint, _secret = register(admin_user, company, "https://erp.example.com/hooks", ["submission.created"])
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append((host, port))
        return [(2, 1, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr("integrations.targets.socket.getaddrinfo", getaddrinfo)
    submitted(mother, assembly, slot)
    run()

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert asked == [("erp.example.com", 443)]
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_error.startswith("refused: erp.example.com")


def test_two_workers_never_send_one_delivery_at_once(receiver, admin_user, company, mother, assembly, slot):
    register(admin_user, company, receiver.url, ["submission.created"])
    submitted(mother, assembly, slot)
    fanout.outbox_fanout()
    delivery = WebhookDelivery.objects.get()

    first = sending.attempt_claim(delivery_id=delivery.pk)
    second = sending.attempt_claim(delivery_id=delivery.pk)

    assert first is not None and second is None
    assert WebhookDelivery.objects.get().attempts == 1


def test_the_job_runs_every_minute():
    every = {periodic.name: periodic.every for periodic in schedule()}

    assert every["integrations.jobs.webhooks_run"] == datetime.timedelta(minutes=1)

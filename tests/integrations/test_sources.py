"""What feeds the webhooks: the payout events, the outbox read past late commits, and the secrets'
seal through a key rotation."""

import datetime
import json

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Role
from core import sealing
from integrations import fanout, jobs
from integrations.models import FanoutCursor, WebhookDelivery, WebhookEndpoint
from realtime import events
from realtime.models import OutboxEvent
from tests import factories
from tests.integrations.conftest import register
from tests.ledger.test_payouts import NOV_5, NOV_20, act, credit, draft

pytestmark = pytest.mark.django_db


def test_a_payout_approved_and_paid_arrive_once_each_with_the_batch_total(
    receiver, admin_user, finance, company, mother, other_mother
):
    second = factories.staff(company, Role.FINANCE)
    with time_machine.travel(NOV_5 - datetime.timedelta(days=1), tick=False):
        _endpoint, secret = register(admin_user, company, receiver.url, ["payout.approved", "payout.paid"])
    credit(finance, company, mother, 12_345)
    credit(finance, company, other_mother, 500)
    batch = draft(finance).json()
    assert act(second, batch["id"], "approve").status_code == 200
    assert act(finance, batch["id"], "mark-paid", reference="ICBC-1").status_code == 200

    with time_machine.travel(NOV_20, tick=False):
        jobs.webhooks_run.call()
        jobs.webhooks_run.call()
        payloads = [json.loads(request["body"]) for request in receiver.requests]
        assert all(Webhook(secret).verify(r["body"], r["headers"]) for r in receiver.requests)

    common = {
        "batch": batch["id"],
        "company": company.pk,
        "amount_fen": 12_845,
        "amount_display": "¥128.45",
        "period_start": "2026-11-01",
        "period_end": "2026-11-15",
    }
    assert [payload["type"] for payload in payloads] == ["payout.approved", "payout.paid"]
    assert payloads[0]["data"] == {**common, "lines": 2}
    assert payloads[1]["data"] == common  # the batch's, once: not each mother's line
    staff_paid = OutboxEvent.objects.filter(type="payout.paid", group=f"company.{company.pk}.staff")
    assert staff_paid.count() == 1
    assert OutboxEvent.objects.filter(type="payout.paid", group__startswith="worker.").count() == 2


def _staff_event(company, batch: int, **fields) -> OutboxEvent:
    event = events.payout_approved(
        batch=batch,
        company=company.pk,
        amount_fen=100,
        amount_display="¥1.00",
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 15),
        lines=1,
    )
    return OutboxEvent(type=event.type, group=f"company.{company.pk}.staff", data=event.data, **fields)


def test_an_event_that_commits_after_a_newer_one_is_not_skipped(loopback, admin_user, company):
    """Ids are taken before commit: the fan-out passes the newer event, then the older one commits."""
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(hours=1), tick=False):  # it hears all three
        endpoint, _secret = register(admin_user, company, "http://127.0.0.1:9/hooks", ["payout.approved"])
    stale_at = now - fanout.LATE_COMMIT_WINDOW - datetime.timedelta(minutes=1)
    late, stale, newer = OutboxEvent.objects.bulk_create(
        [_staff_event(company, 1, at=now), _staff_event(company, 2, at=stale_at), _staff_event(company, 3, at=now)]
    )
    OutboxEvent.objects.filter(pk__in=[late.pk, stale.pk]).delete()  # not committed yet when the fan-out reads

    assert fanout.outbox_fanout() == 1
    assert FanoutCursor.objects.get().event_id == newer.pk
    OutboxEvent.objects.bulk_create([late, stale])  # they commit now, with their ids and times

    assert fanout.outbox_fanout() == 1  # the one within the window; one older than it is past help
    assert fanout.outbox_fanout() == 0  # read again: nothing twice
    made = set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_id", flat=True))
    assert made == {late.pk, newer.pk}


def test_the_outbox_pruned_loses_no_pending_delivery(loopback, admin_user, company):
    register(admin_user, company, "http://127.0.0.1:9/hooks", ["payout.approved"])
    [row] = OutboxEvent.objects.bulk_create([_staff_event(company, 7, at=timezone.now())])
    fanout.outbox_fanout()
    OutboxEvent.objects.all().delete()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_id, delivery.event_type, delivery.data["batch"]) == (row.pk, "payout.approved", 7)


def test_with_no_endpoint_the_cursor_moves_past_the_outbox(admin_user, company):
    OutboxEvent.objects.bulk_create([_staff_event(company, n, at=timezone.now()) for n in range(3)])

    assert fanout.outbox_fanout() == 0
    assert FanoutCursor.objects.get().event_id == OutboxEvent.objects.order_by("-id").first().pk


def test_rotating_the_field_keys_reseals_the_webhook_secrets(settings, loopback, admin_user, company):
    old_key = settings.HOMESLOT_FIELD_KEYS[0]
    endpoint, secret = register(admin_user, company, "http://127.0.0.1:9/hooks")
    new_key = Fernet.generate_key().decode()
    settings.HOMESLOT_FIELD_KEYS = [new_key, old_key]

    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    settings.HOMESLOT_FIELD_KEYS = [new_key]
    assert sealing.unseal(WebhookEndpoint.objects.get(pk=endpoint.pk).secret_sealed) == secret

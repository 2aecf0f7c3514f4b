"""The company admin's webhook pages: an address added with its secret shown once, turned off and on,
a new secret, removal; the delivery log and its 再发一次 (send again) button. Only admins see them."""

import re

from django.test import Client

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.fairwork.test_jobs_and_rules import submitted
from tests.integrations.conftest import register
from tests.integrations.test_delivery import run


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_an_address_is_added_and_its_secret_shown_this_once(loopback, admin_user, company):
    client = signed_in(admin_user)
    added = client.post(
        "/work/webhooks/",
        {"company": company.pk, "url": "http://127.0.0.1:9/hooks", "event_types": ["submission.created"]},
    )
    assert added.status_code == 200
    secret = re.search(r'<code id="secret-value">(whsec_[A-Za-z0-9+/=]+)</code>', added.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.event_types) == ("http://127.0.0.1:9/hooks", ["submission.created"])
    again = client.get("/work/webhooks/").content.decode()
    assert secret not in again and f'id="endpoint-{endpoint.pk}"' in again

    rotated = client.post(f"/work/webhooks/{endpoint.pk}/rotate").content.decode()
    new_secret = re.search(r'<code id="secret-value">(whsec_[^<]+)</code>', rotated).group(1)
    assert new_secret != secret

    client.post(f"/work/webhooks/{endpoint.pk}/disable")
    assert WebhookEndpoint.objects.get().enabled is False
    client.post(f"/work/webhooks/{endpoint.pk}/enable")
    assert WebhookEndpoint.objects.get().enabled is True
    client.post(f"/work/webhooks/{endpoint.pk}/delete")
    assert not WebhookEndpoint.objects.exists()


def test_a_refused_address_says_why_and_keeps_what_she_typed(admin_user, company):
    page = signed_in(admin_user).post(
        "/work/webhooks/", {"company": company.pk, "url": "http://10.0.0.7/hooks", "event_types": ["payout.paid"]}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="webhook-error"' in html and 'value="http://10.0.0.7/hooks"' in html
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_and_send_again(receiver, admin_user, company, mother, assembly, slot):
    endpoint, _secret = register(admin_user, company, receiver.url, ["submission.created"])
    submitted(mother, assembly, slot)
    run()
    delivery = WebhookDelivery.objects.get()
    client = signed_in(admin_user)
    log = client.get(f"/work/webhooks/{endpoint.pk}/").content.decode()
    assert f"evt_{delivery.event_id}" in log and "已送达" in log

    client.post(f"/work/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/replay")
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    run()
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]


def test_only_a_company_admin_sees_them(loopback, admin_user, supervisor, company, other_company):
    endpoint, _secret = register(admin_user, company, "http://127.0.0.1:9/hooks")
    for user in (supervisor,):
        client = signed_in(user)
        assert client.get("/work/webhooks/").status_code == 404
        assert client.get(f"/work/webhooks/{endpoint.pk}/").status_code == 404
        assert client.post(f"/work/webhooks/{endpoint.pk}/delete").status_code == 404
    assert WebhookEndpoint.objects.exists()
    assert Client().get("/work/webhooks/").status_code == 302


def test_an_address_for_a_company_she_does_not_run_is_refused(loopback, admin_user, company, other_company):
    answer = signed_in(admin_user).post(
        "/work/webhooks/",
        {"company": other_company.pk, "url": "http://127.0.0.1:9/hooks", "event_types": ["payout.paid"]},
    )
    assert answer.status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_a_nul_in_the_description_is_dropped(loopback, admin_user, company):
    signed_in(admin_user).post(
        "/work/webhooks/",
        {
            "company": company.pk,
            "url": "http://127.0.0.1:9/hooks",
            "event_types": ["payout.paid"],
            "description": "ERP\x00",
        },
    )
    assert WebhookEndpoint.objects.get().description == "ERP"

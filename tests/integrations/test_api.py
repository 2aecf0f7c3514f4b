"""Registering webhooks through the API: who may, what is refused, the secret shown once."""

import pytest

from accounts.models import AuditEntry, Role
from integrations.models import WebhookEndpoint
from tests import factories
from tests.conftest import api_for
from tests.integrations.conftest import snapshot

pytestmark = pytest.mark.django_db
URL = "https://erp.example.com/hooks/homeslot"


def post(user, **body):
    return api_for(user).post("/api/v1/webhooks", body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(admin_user, company):
    response = post(admin_user, url=URL, event_types=["submission.reviewed", "payout.paid"], description="ERP")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert (body["company"], body["url"], body["event_types"], body["enabled"]) == (
        company.pk,
        URL,
        ["submission.reviewed", "payout.paid"],
        True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] not in endpoint.secret_sealed  # only its seal is kept
    listed = api_for(admin_user).get("/api/v1/webhooks").json()
    one = api_for(admin_user).get(f"/api/v1/webhooks/{endpoint.pk}").json()
    assert [row["id"] for row in listed["results"]] == [endpoint.pk]
    assert "secret" not in listed["results"][0] and "secret" not in one and body["secret"] not in str(listed)
    assert AuditEntry.objects.filter(action="webhook.create", target_id=str(endpoint.pk)).exists()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://erp.example.com/hooks", "https"),
        ("https://10.0.0.1/hooks", "public"),
        ("https://192.168.1.20/hooks", "public"),
        ("https://169.254.169.254/latest/meta-data", "public"),
        ("https://[fd00::1]/hooks", "public"),
        ("https://224.0.0.1/hooks", "public"),
        ("https://0.0.0.0/hooks", "public"),
        ("https://localhost/hooks", "localhost"),
        ("https://127.0.0.1:8443/hooks", "localhost"),
        ("http://127.0.0.1:8080/hooks", "localhost"),
        ("https://user:pw@erp.example.com/hooks", "password"),
        ("ftp://erp.example.com/hooks", "https"),
        ("erp.example.com/hooks", "full address"),
        ("https://erp.example.com:99999/hooks", "URL"),
    ],
)
def test_a_url_that_is_not_public_https_is_refused_and_nothing_changes(admin_user, url, why):
    before = snapshot()

    response = post(admin_user, url=url, event_types=["payout.paid"])

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_webhook_url" and why in error["message"]
    assert snapshot() == before


def test_with_the_loopback_setting_this_machine_is_allowed_and_nothing_else_private(settings, admin_user):
    settings.HOMESLOT_WEBHOOKS_ALLOW_LOOPBACK = True

    assert post(admin_user, url="http://127.0.0.1:8080/hooks", event_types=["payout.paid"]).status_code == 201
    assert post(admin_user, url="https://localhost/hooks", event_types=["payout.paid"]).status_code == 201
    refused = post(admin_user, url="http://10.0.0.1/hooks", event_types=["payout.paid"])
    assert refused.json()["error"]["code"] == "invalid_webhook_url"


@pytest.mark.parametrize(
    ("event_types", "code"),
    [
        (["task.claimed"], "invalid_event_types"),  # a realtime type that is not offered
        (["review.decided"], "invalid_event_types"),  # offered as submission.reviewed
        ([], "invalid_event_types"),
        ("payout.paid", "invalid"),  # not a list
    ],
)
def test_unknown_event_types_are_refused(admin_user, event_types, code):
    before = snapshot()

    response = post(admin_user, url=URL, event_types=event_types)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert snapshot() == before


def test_a_missing_field_or_an_unknown_one_is_a_400_naming_it(admin_user):
    missing = post(admin_user, event_types=["payout.paid"]).json()["error"]
    unknown = post(admin_user, url=URL, event_types=["payout.paid"], secret="mine").json()["error"]

    assert missing["code"] == "invalid" and "url" in missing["details"]
    assert unknown["code"] == "invalid" and "secret" in unknown["details"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.FINANCE])
def test_staff_who_are_not_admins_are_refused(company, role):
    staff = factories.staff(company, role)

    assert post(staff, url=URL, event_types=["payout.paid"]).status_code == 403
    assert api_for(staff).get("/api/v1/webhooks").status_code == 403
    assert api_for(factories.mother()).get("/api/v1/webhooks").status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_another_companys_endpoint_is_invisible_and_untouchable(admin_user, company, other_company):
    endpoint = post(admin_user, url=URL, event_types=["payout.paid"]).json()
    other_admin = factories.staff(other_company, Role.ADMIN)
    other = api_for(other_admin)
    before = snapshot()

    assert other.get("/api/v1/webhooks").json()["results"] == []
    for response in (
        other.get(f"/api/v1/webhooks/{endpoint['id']}"),
        other.patch(f"/api/v1/webhooks/{endpoint['id']}", {"url": "https://evil.example.com/"}, format="json"),
        other.delete(f"/api/v1/webhooks/{endpoint['id']}"),
        other.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret"),
        other.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries"),
    ):
        assert response.status_code == 404, response.content
    # Naming her company when registering is a 404 too, as if there were no such company.
    assert post(other_admin, company=company.pk, url=URL, event_types=["payout.paid"]).status_code == 404
    assert snapshot() == before


def test_an_admin_of_several_companies_says_which(admin_user, company, other_company):
    factories.MembershipFactory(user=admin_user, company=other_company, role=Role.ADMIN)

    unsaid = post(admin_user, url=URL, event_types=["payout.paid"])
    said = post(admin_user, company=other_company.pk, url=URL, event_types=["payout.paid"])

    assert unsaid.status_code == 400 and unsaid.json()["error"]["code"] == "company_required"
    assert said.status_code == 201 and said.json()["company"] == other_company.pk


def test_patch_changes_what_it_is_given_and_delete_removes(admin_user):
    endpoint = post(admin_user, url=URL, event_types=["payout.paid"]).json()
    client = api_for(admin_user)

    changed = client.patch(
        f"/api/v1/webhooks/{endpoint['id']}", {"event_types": ["payout.paid", "results.ready"]}, format="json"
    )
    bad = client.patch(f"/api/v1/webhooks/{endpoint['id']}", {"url": "https://10.1.2.3/"}, format="json")
    off = client.patch(f"/api/v1/webhooks/{endpoint['id']}", {"enabled": False}, format="json")

    assert changed.status_code == 200 and changed.json()["event_types"] == ["payout.paid", "results.ready"]
    assert changed.json()["url"] == URL
    assert bad.status_code == 400 and WebhookEndpoint.objects.get().url == URL
    assert off.json()["enabled"] is False and off.json()["disabled_reason"] == "by_admin"
    assert client.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_company_has_at_most_ten_endpoints(admin_user):
    for n in range(10):
        assert post(admin_user, url=f"{URL}/{n}", event_types=["payout.paid"]).status_code == 201

    response = post(admin_user, url=URL, event_types=["payout.paid"])

    assert response.status_code == 409 and response.json()["error"]["code"] == "too_many_webhooks"
    assert WebhookEndpoint.objects.count() == 10


def test_rotation_answers_a_new_secret_once(admin_user):
    first = post(admin_user, url=URL, event_types=["payout.paid"]).json()

    rotated = api_for(admin_user).post(f"/api/v1/webhooks/{first['id']}/rotate-secret")

    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != first["secret"]
    assert rotated.json()["secret_overlap_until"] is not None
    assert "secret" not in api_for(admin_user).get(f"/api/v1/webhooks/{first['id']}").json()

"""A socket hears only what its user may hear now: sign-out, a revoked token, removal from a company
and a changed role close her sockets (4401: credentials gone; 4403: what she may hear changed), and
``resume`` re-checks before it replays anything."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, Role
from realtime import consumers
from realtime import hub as hub_module
from realtime.models import OutboxEvent
from tests import factories
from tests.factories import api_token_for
from tests.realtime.sockets import claim_through_api, run, signed_in, socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(hub_module, "ACCESS_POLL_SECONDS", 0.05)


async def closed_with(ws) -> int:
    message = await ws.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    return message["code"]


def test_codes():
    assert (consumers.CLOSE_UNAUTHENTICATED, consumers.CLOSE_FORBIDDEN) == (4401, 4403)


def test_signing_out_closes_the_socket_of_that_token_only(mother, other_mother):
    phone_key, laptop_key = api_token_for(mother, "phone"), api_token_for(mother, "laptop")

    async def scenario():
        phone = await signed_in(mother, phone_key)
        laptop = await signed_in(mother, laptop_key)
        stranger = await signed_in(other_mother)

        answer = await sync_to_async(APIClient(HTTP_AUTHORIZATION=f"Token {phone_key}").post)("/api/v1/auth/sign-out")
        assert answer.status_code == 204

        assert await closed_with(phone) == 4401
        assert await laptop.receive_nothing(timeout=0.3)  # re-checked: its token still works
        assert await stranger.receive_nothing(timeout=0.1)
        await laptop.disconnect()
        await stranger.disconnect()

    run(scenario)


def test_a_page_signed_out_closes_its_session_socket(supervisor):
    pages = Client()
    pages.force_login(supervisor)
    cookie = f"sessionid={pages.cookies['sessionid'].value}"

    async def scenario():
        ws = socket(origin=b"http://testserver", cookie=cookie)
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from(timeout=5))["type"] == "ready"

        assert (await sync_to_async(pages.post)("/signout/")).status_code == 302

        assert await closed_with(ws) == 4401

    run(scenario)


@pytest.mark.parametrize(
    "end",
    [
        lambda user: services.user_password_set(actor=None, user=user, password="a-new-long-password"),
        lambda user: services.user_deactivate(actor=None, user=user),
        lambda user: services.api_token_revoke(actor=user, token_id=ApiToken.objects.get(user=user).pk),
    ],
    ids=["password set by an operator", "deactivated", "token revoked from another device"],
)
def test_when_her_credentials_end_her_socket_closes_with_4401(mother, end):
    key = api_token_for(mother)

    async def scenario():
        ws = await signed_in(mother, key)
        await sync_to_async(end)(mother)
        assert await closed_with(ws) == 4401

    run(scenario)


def test_removal_from_the_company_closes_her_staff_sockets_with_4403(company, admin_user, supervisor):
    project = factories.project(supervisor, company, tasks=1)
    admin_api = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_for(admin_user)}")

    async def scenario():
        ws = await signed_in(supervisor)
        await ws.send_json_to({"type": "follow", "project": project.pk})
        assert (await ws.receive_json_from(timeout=5))["type"] == "followed"
        admin_socket = await signed_in(admin_user)

        removed = await sync_to_async(admin_api.delete)(f"/api/v1/companies/{company.pk}/members/{supervisor.pk}")
        assert removed.status_code == 204

        assert await closed_with(ws) == 4403
        assert await admin_socket.receive_nothing(timeout=0.2)
        await admin_socket.disconnect()

    run(scenario)


def test_a_changed_role_closes_her_socket_with_4403(company, admin_user, supervisor):
    admin_api = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_for(admin_user)}")

    async def scenario():
        ws = await signed_in(supervisor)
        changed = await sync_to_async(admin_api.post)(
            f"/api/v1/companies/{company.pk}/members", {"phone": supervisor.phone, "role": Role.FINANCE}, format="json"
        )
        assert changed.status_code == 201

        assert await closed_with(ws) == 4403

    run(scenario)


def test_after_the_close_she_reconnects_and_hears_what_she_may_now(company, other_company, admin_user, supervisor):
    factories.MembershipFactory(user=supervisor, company=other_company, role=Role.SUPERVISOR)

    async def scenario():
        ws = await signed_in(supervisor)
        await sync_to_async(services.member_remove)(actor=admin_user, company_id=company.pk, user_id=supervisor.pk)
        assert await closed_with(ws) == 4403
        again = await signed_in(supervisor)  # connected again, on the groups of now
        hub = hub_module.hub_for(get_channel_layer())
        heard = {group for group, members in hub.members.items() if any(m.user.pk == supervisor.pk for m in members)}
        assert heard == {f"worker.{supervisor.pk}", f"company.{other_company.pk}.staff"}
        await again.disconnect()

    run(scenario)


# --- resume re-checks before it replays ----------------------------------------------------------


@pytest.fixture
def staff_events(company, supervisor, django_capture_on_commit_callbacks):
    """Claims that wrote staff events into the outbox (before the socket connects)."""
    project = factories.project(supervisor, company, tasks=2, claim_limit=2)
    slot = factories.slot(supervisor, project)
    claimer = factories.mother()
    for _ in range(2):
        assert claim_through_api(claimer, project, slot, django_capture_on_commit_callbacks).status_code == 201
    events = OutboxEvent.objects.filter(group=f"company.{company.pk}.staff")
    assert events.filter(type="task.claimed").count() == 2
    return events


@pytest.mark.parametrize(
    ("lose", "code"),
    [
        (
            lambda company, user: services.member_remove(
                actor=factories.staff(company, Role.ADMIN), company_id=company.pk, user_id=user.pk
            ),
            4403,
        ),
        (lambda company, user: ApiToken.objects.filter(user=user).delete(), 4401),
    ],
    ids=["removed from the company", "token gone"],
)
def test_resume_replays_nothing_she_may_no_longer_hear(monkeypatch, company, supervisor, staff_events, lose, code):
    monkeypatch.setattr(hub_module, "ACCESS_POLL_SECONDS", 3600)  # the hub has not noticed yet

    async def scenario():
        ws = await signed_in(supervisor)
        await sync_to_async(lose)(company, supervisor)

        await ws.send_json_to({"type": "resume", "after": 0})

        assert await closed_with(ws) == code  # no staff event before the close

    run(scenario)


def test_resume_for_someone_who_may_still_hear_replays_as_before(monkeypatch, company, supervisor, staff_events):
    monkeypatch.setattr(hub_module, "ACCESS_POLL_SECONDS", 3600)
    expected = [e.as_message() for e in staff_events.order_by("id")]

    async def scenario():
        ws = await signed_in(supervisor)
        await ws.send_json_to({"type": "resume", "after": 0})
        replayed = []
        while (message := await ws.receive_json_from(timeout=5))["type"] != "resumed":
            replayed.append(message)
        assert replayed == expected
        await ws.disconnect()

    run(scenario)

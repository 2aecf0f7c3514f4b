"""The /ws/ consumer: who may connect, what they hear, how they catch up."""

import datetime

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from accounts.models import Role
from realtime import consumers
from realtime.models import OutboxEvent
from tasks.models import Claim
from tests import factories
from tests.realtime.sockets import batch, claim_through_api, run, session_cookie, signed_in, socket

# The consumer closes stale connections around each database call (so a long-lived socket
# survives a database restart); that needs committed data, not a test wrapped in a transaction.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


def test_a_foreign_origin_is_refused(db):
    async def scenario():
        connected, _ = await socket(origin=b"https://evil.example").connect()
        assert not connected

    run(scenario)


def test_a_page_of_ours_connects_with_its_session(db, supervisor):
    cookie = session_cookie(supervisor)

    async def scenario():
        ws = socket(origin=b"http://testserver", cookie=cookie)
        connected, _ = await ws.connect()
        assert connected
        ready = await ws.receive_json_from(timeout=5)
        assert ready == {"type": "ready", "user": supervisor.pk, "latest": ready["latest"]}
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("first", [{"type": "auth", "token": "nope"}, {"type": "follow", "project": 1}, {"x": 1}])
def test_without_valid_auth_first_the_socket_is_closed(db, first):
    async def scenario():
        ws = socket()
        await ws.connect()
        await ws.send_json_to(first)
        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_UNAUTHENTICATED}

    run(scenario)


def test_a_silent_socket_is_closed_after_the_auth_deadline(db, monkeypatch):
    monkeypatch.setattr(consumers, "AUTH_TIMEOUT_SECONDS", 0.05)

    async def scenario():
        ws = socket()
        await ws.connect()
        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_UNAUTHENTICATED}

    run(scenario)


def test_follow_is_authorised(db, supervisor, company, other_company, mother):
    mine = factories.project(supervisor, company, tasks=1)
    draft = factories.project(supervisor, company, tasks=1, publish=False)
    theirs = factories.project(factories.staff(other_company), other_company, tasks=1, publish=False)

    async def scenario():
        ws = await signed_in(mother)
        await ws.send_json_to({"type": "follow", "project": mine.pk})
        assert await ws.receive_json_from(timeout=5) == {"type": "followed", "project": mine.pk}
        for refused in (draft.pk, theirs.pk, 999999, "1"):
            await ws.send_json_to({"type": "follow", "project": refused})
            answer = await ws.receive_json_from(timeout=5)
            assert answer == {"type": "error", "code": "not_found", "about": "follow", "project": refused}
        staff = await signed_in(supervisor)
        await staff.send_json_to({"type": "follow", "project": draft.pk})
        assert (await staff.receive_json_from(timeout=5))["type"] == "followed"
        await staff.send_json_to({"type": "follow", "project": theirs.pk})
        assert (await staff.receive_json_from(timeout=5))["code"] == "not_found"
        await ws.disconnect()
        await staff.disconnect()

    run(scenario)


def test_each_event_reaches_exactly_the_right_groups(
    db, supervisor, company, other_company, mother, other_mother, django_capture_on_commit_callbacks
):
    project = factories.project(supervisor, company, tasks=2)
    slot = factories.slot(supervisor, project)
    outsider = factories.staff(other_company, Role.SUPERVISOR)

    async def scenario():
        her = await signed_in(mother)
        follower = await signed_in(other_mother)
        await follower.send_json_to({"type": "follow", "project": project.pk})
        await follower.receive_json_from(timeout=5)
        staff = await signed_in(supervisor)
        stranger = await signed_in(outsider)

        response = await sync_to_async(claim_through_api)(mother, project, slot, django_capture_on_commit_callbacks)
        claim = response.json()
        expected_data = {"project": project.pk, "task": claim["task"]["id"], "slot": slot.pk, "claim": claim["id"]}
        rows = await sync_to_async(lambda: list(OutboxEvent.objects.filter(type="task.claimed").order_by("id")))()
        by_group = {row.group: row.as_message() for row in rows}
        assert set(by_group) == {f"project.{project.pk}", f"company.{company.pk}.staff", f"worker.{mother.pk}"}

        assert await her.receive_json_from(timeout=5) == by_group[f"worker.{mother.pk}"]
        # shared feeds arrive coalesced: one batch per window
        project_event = by_group[f"project.{project.pk}"]
        staff_event = by_group[f"company.{company.pk}.staff"]
        assert await follower.receive_json_from(timeout=5) == batch(project_event)
        assert await staff.receive_json_from(timeout=5) == batch(staff_event)
        for message in by_group.values():
            assert message["type"] == "task.claimed" and message["data"] == expected_data
        assert await stranger.receive_nothing(timeout=0.3)
        assert await her.receive_nothing(timeout=0.1)
        for ws in (her, follower, staff, stranger):
            await ws.disconnect()

    run(scenario)


def test_a_busy_project_feed_is_coalesced(db, supervisor, company, django_capture_on_commit_callbacks):
    project = factories.project(supervisor, company, tasks=5)
    slot = factories.slot(supervisor, project)
    mothers = [factories.mother() for _ in range(5)]
    watcher = factories.mother()

    async def scenario():
        follower = await signed_in(watcher)
        await follower.send_json_to({"type": "follow", "project": project.pk})
        await follower.receive_json_from(timeout=5)
        for m in mothers:  # five claims well inside one window
            await sync_to_async(claim_through_api)(m, project, slot, django_capture_on_commit_callbacks)
        rows = await sync_to_async(
            lambda: [r.as_message() for r in OutboxEvent.objects.filter(group=f"project.{project.pk}").order_by("id")]
        )()
        assert len(rows) == 5
        received = await follower.receive_json_from(timeout=5)
        assert received["type"] == "batch"
        got = list(received["events"])
        while len(got) < 5:  # a slow machine may split them over two windows, never more messages than windows
            got += (await follower.receive_json_from(timeout=5))["events"]
        assert got == rows
        assert await follower.receive_nothing(timeout=0.4)
        await follower.disconnect()

    run(scenario)


def test_no_event_for_a_refused_change(db, supervisor, company, mother, django_capture_on_commit_callbacks):
    project = factories.project(supervisor, company, tasks=1)
    slot = factories.slot(supervisor, project, capacity=1)
    claim_through_api(factories.mother(), project, slot, django_capture_on_commit_callbacks)
    before = OutboxEvent.objects.count()

    async def scenario():
        her = await signed_in(mother)
        response = await sync_to_async(claim_through_api)(mother, project, slot, django_capture_on_commit_callbacks)
        assert response.status_code == 409
        assert await her.receive_nothing(timeout=0.3)
        await her.disconnect()

    run(scenario)
    assert OutboxEvent.objects.count() == before
    assert Claim.objects.filter(worker=mother).count() == 0


def test_resume_replays_what_was_missed_in_order(db, supervisor, company, mother, django_capture_on_commit_callbacks):
    project = factories.project(supervisor, company, tasks=3, claim_limit=3)
    slot = factories.slot(supervisor, project)
    first = claim_through_api(mother, project, slot, django_capture_on_commit_callbacks).json()
    seen = OutboxEvent.objects.get(group=f"worker.{mother.pk}", data__claim=first["id"]).pk
    for _ in range(2):  # while she was offline
        claim_through_api(mother, project, slot, django_capture_on_commit_callbacks)
    missed = [
        row.as_message() for row in OutboxEvent.objects.filter(group=f"worker.{mother.pk}", id__gt=seen).order_by("id")
    ]
    assert len(missed) == 2

    async def scenario():
        ws = await signed_in(mother)
        await ws.send_json_to({"type": "resume", "after": seen})
        replayed = []
        while (message := await ws.receive_json_from(timeout=5))["type"] != "resumed":
            replayed.append(message)
        assert message == {"type": "resumed", "latest": missed[-1]["id"]}
        assert [m for m in replayed if m["id"] > seen] == missed
        # the overlap before `seen` (ids are taken before commit) comes too, oldest first, once each
        ids = [m["id"] for m in replayed]
        assert ids == sorted(set(ids)) and seen in ids
        await ws.disconnect()

    run(scenario)


def test_resume_past_what_the_outbox_keeps_asks_for_a_resync(
    db, supervisor, company, mother, django_capture_on_commit_callbacks
):
    from realtime.services import outbox_prune

    project = factories.project(supervisor, company, tasks=2, claim_limit=2)
    slot = factories.slot(supervisor, project)
    claim_through_api(mother, project, slot, django_capture_on_commit_callbacks)
    old = OutboxEvent.objects.filter(group=f"worker.{mother.pk}").get().pk
    OutboxEvent.objects.update(at=timezone.now() - datetime.timedelta(days=3))
    claim_through_api(mother, project, slot, django_capture_on_commit_callbacks)
    assert outbox_prune(older_than=datetime.timedelta(days=1)) > 0

    async def scenario():
        ws = await signed_in(mother)
        await ws.send_json_to({"type": "resume", "after": old - 1})
        assert await ws.receive_json_from(timeout=5) == {"type": "resync"}
        await ws.disconnect()

    run(scenario)


def test_heartbeats_carry_the_newest_id(db, settings, supervisor, company, mother, django_capture_on_commit_callbacks):
    settings.HOMESLOT_HEARTBEAT_SECONDS = 0.05
    project = factories.project(supervisor, company, tasks=1)
    claim_through_api(mother, project, factories.slot(supervisor, project), django_capture_on_commit_callbacks)
    newest = OutboxEvent.objects.filter(group=f"worker.{mother.pk}").latest("id").pk

    async def scenario():
        ws = await signed_in(mother)
        # ``complete``: it started after the newest event, so it has had everything up to there.
        assert await ws.receive_json_from(timeout=5) == {"type": "heartbeat", "latest": newest, "complete": newest}
        await ws.disconnect()

    run(scenario)

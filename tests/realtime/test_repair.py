"""Nothing the layer loses is lost: each hub accounts for every event of its groups and sends the
ones that never came through the layer from the outbox; resume replays what was missed without
counting its overlap against the limit."""

import datetime

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from realtime import hub as hub_module
from realtime import selectors
from realtime.models import OutboxEvent
from tests import factories
from tests.realtime.sockets import batch, claim_through_api, run, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


def written_while_the_layer_was_down(group: str, count: int, *, seconds_ago: float = 3) -> list[dict]:
    """Committed events that never reached the layer (what a refused ``group_send`` leaves)."""
    at = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    rows = [factories.outbox_event(group, n + 1, at=at) for n in range(count)]
    OutboxEvent.objects.bulk_create(rows)
    return [row.as_message() for row in rows]


def following(project):
    async def start(user):
        ws = await signed_in(user)
        await ws.send_json_to({"type": "follow", "project": project.pk})
        assert (await ws.receive_json_from(timeout=5))["type"] == "followed"
        return ws

    return start


def test_events_the_layer_never_brought_are_sent_from_the_outbox_once(supervisor, company):
    project = factories.project(supervisor, company, tasks=1)
    group = f"project.{project.pk}"
    watchers = [factories.mother(), factories.mother()]

    async def scenario():
        sockets = [await following(project)(w) for w in watchers]
        hub = hub_module.hub_for(get_channel_layer())
        lost = await sync_to_async(written_while_the_layer_was_down)(group, 3)
        assert await hub.repair() == 3
        for ws in sockets:
            assert await ws.receive_json_from(timeout=5) == batch(*lost)
        assert await hub.repair() == 0  # accounted for: never twice
        for ws in sockets:
            await ws.receive_nothing(timeout=0.2)
            await ws.disconnect()

    run(scenario)


def test_an_event_still_in_the_relays_window_is_left_to_the_relay(supervisor, company):
    project = factories.project(supervisor, company, tasks=1)
    watcher = factories.mother()

    async def scenario():
        ws = await following(project)(watcher)
        hub = hub_module.hub_for(get_channel_layer())
        await sync_to_async(written_while_the_layer_was_down)(f"project.{project.pk}", 1, seconds_ago=0)
        assert await hub.repair() == 0  # younger than the grace: it may be on its way
        await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()

    run(scenario)


def test_what_came_live_is_not_repaired_and_a_repair_is_not_sent_again_live(
    supervisor, company, django_capture_on_commit_callbacks
):
    project = factories.project(supervisor, company, tasks=2, claim_limit=2)
    slot = factories.slot(supervisor, project)
    group = f"project.{project.pk}"
    watcher, claimer = factories.mother(), factories.mother()

    async def scenario():
        ws = await following(project)(watcher)
        hub = hub_module.hub_for(get_channel_layer())
        await sync_to_async(claim_through_api)(claimer, project, slot, django_capture_on_commit_callbacks)
        live = await sync_to_async(lambda: OutboxEvent.objects.get(group=group).as_message())()
        assert await ws.receive_json_from(timeout=5) == batch(live)
        await sync_to_async(OutboxEvent.objects.filter(group=group).update)(
            at=timezone.now() - datetime.timedelta(seconds=5)
        )
        for ledger in hub.ledgers.values():  # as if it had come in five seconds ago
            ledger.handed = dict.fromkeys(ledger.handed, (timezone.now() - datetime.timedelta(seconds=5)).timestamp())
        assert await hub.repair() == 0

        lost = await sync_to_async(written_while_the_layer_was_down)(group, 1)
        assert await hub.repair() == 1
        assert await ws.receive_json_from(timeout=5) == batch(*lost)
        # The layer brings the same event late (Redis had it queued): the socket does not get it twice.
        from realtime.publish import batch_message

        row = await sync_to_async(OutboxEvent.objects.get)(pk=lost[0]["id"])
        await get_channel_layer().group_send(group, {**batch_message([row]), "group": group})
        await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_a_socket_is_not_sent_what_happened_before_it_started(supervisor, company):
    project = factories.project(supervisor, company, tasks=1)
    group = f"project.{project.pk}"
    early, late = factories.mother(), factories.mother()

    async def scenario():
        first = await following(project)(early)
        hub = hub_module.hub_for(get_channel_layer())
        before = await sync_to_async(written_while_the_layer_was_down)(group, 1)
        second = await following(project)(late)
        after = await sync_to_async(written_while_the_layer_was_down)(group, 1)
        assert await hub.repair() == 2
        assert await first.receive_json_from(timeout=5) == batch(*before, *after)
        assert await second.receive_json_from(timeout=5) == batch(*after)
        await first.disconnect()
        await second.disconnect()

    run(scenario)


def test_while_the_layer_is_down_the_hub_checks_the_outbox_every_second(monkeypatch, supervisor, company):
    monkeypatch.setattr(hub_module, "REPAIR_SECONDS_DOWN", 0.05)
    monkeypatch.setattr(hub_module, "REPAIR_GRACE", 0.0)
    project = factories.project(supervisor, company, tasks=1)
    watcher = factories.mother()

    async def scenario():
        ws = await following(project)(watcher)
        hub = hub_module.hub_for(get_channel_layer())
        hub._layer_down = True  # what a failed receive or a lost ping records
        lost = await sync_to_async(written_while_the_layer_was_down)(f"project.{project.pk}", 2, seconds_ago=1)
        assert await ws.receive_json_from(timeout=5) == batch(*lost)  # no repair() call: the hub's own round
        await ws.disconnect()

    run(scenario)


# --- resume -----------------------------------------------------------------------------------


def test_the_overlap_before_the_clients_id_does_not_count_against_the_replay_limit(monkeypatch, mother):
    monkeypatch.setattr(selectors, "MAX_REPLAY", 50)
    group = f"worker.{mother.pk}"
    now = timezone.now()
    before = OutboxEvent.objects.bulk_create([factories.outbox_event(group, n + 1, at=now) for n in range(80)])
    after = OutboxEvent.objects.bulk_create([factories.outbox_event(group, n + 1, at=now) for n in range(10)])
    replay = selectors.events_after([group], before[-1].pk)
    assert replay is not None
    assert [m["id"] for m in replay if m["id"] > before[-1].pk] == [row.pk for row in after]
    assert len(replay) == 90  # the busy 10 s before her id come too, as overlap

    many = OutboxEvent.objects.bulk_create([factories.outbox_event(group, at=now) for _ in range(41)])
    assert len(many) + len(after) > 50
    assert selectors.events_after([group], before[-1].pk) is None  # truly too much: re-read the API


def test_a_project_followed_late_is_owed_only_what_happens_after_the_follow(supervisor, company):
    """A socket signed in long ago follows a busy project now: the project's history is resume's
    business, not something the hub should count as lost and send."""
    project = factories.project(supervisor, company, tasks=1)
    group = f"project.{project.pk}"
    watcher = factories.mother()

    async def scenario():
        ws = await signed_in(watcher)
        await sync_to_async(written_while_the_layer_was_down)(group, 5)  # the morning's claims
        await ws.send_json_to({"type": "follow", "project": project.pk})
        assert (await ws.receive_json_from(timeout=5))["type"] == "followed"
        hub = hub_module.hub_for(get_channel_layer())
        assert await hub.repair() == 0
        lost = await sync_to_async(written_while_the_layer_was_down)(group, 1)
        assert await hub.repair() == 1
        assert await ws.receive_json_from(timeout=5) == batch(*lost)
        await ws.disconnect()

    run(scenario)

"""The process hub: one layer member per process and group, and memberships that come back."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from realtime import hub as hub_module
from realtime.models import OutboxEvent
from tests import factories
from tests.realtime.sockets import batch, claim_through_api, run, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


def members_of(group: str) -> set[str]:
    return set(get_channel_layer().groups.get(group, {}))


def test_many_sockets_of_one_process_are_one_member_of_a_group(supervisor, company, django_capture_on_commit_callbacks):
    project = factories.project(supervisor, company, tasks=1)
    slot = factories.slot(supervisor, project)
    watchers = [factories.mother() for _ in range(3)]
    claimer = factories.mother()
    group = f"project.{project.pk}"

    async def scenario():
        sockets = [await signed_in(w) for w in watchers]
        for ws in sockets:
            await ws.send_json_to({"type": "follow", "project": project.pk})
            await ws.receive_json_from(timeout=5)
        hub = hub_module.hub_for(get_channel_layer())
        assert members_of(group) == {hub.channel}
        assert len(hub.members[group]) == 3

        await sync_to_async(claim_through_api)(claimer, project, slot, django_capture_on_commit_callbacks)
        event = await sync_to_async(lambda: OutboxEvent.objects.get(group=group).as_message())()
        for ws in sockets:
            assert await ws.receive_json_from(timeout=5) == batch(event)

        await sockets[0].send_json_to({"type": "unfollow", "project": project.pk})
        await sockets[0].receive_json_from(timeout=5)
        assert members_of(group) == {hub.channel}  # others still follow
        for ws in sockets[1:]:
            await ws.disconnect()
        assert members_of(group) == set()  # the last follower left: the process leaves the group
        await sockets[0].disconnect()
        assert hub.members == {} and hub._tasks == []

    run(scenario)


def test_memberships_the_layer_lost_come_back_without_the_socket_reconnecting(
    monkeypatch, supervisor, company, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(hub_module, "PING_SECONDS", 0.05)
    project = factories.project(supervisor, company, tasks=1)
    slot = factories.slot(supervisor, project)
    group = f"project.{project.pk}"
    watcher, claimer = factories.mother(), factories.mother()

    async def scenario():
        ws = await signed_in(watcher)
        await ws.send_json_to({"type": "follow", "project": project.pk})
        await ws.receive_json_from(timeout=5)
        layer = get_channel_layer()
        layer.groups.clear()  # what a Redis restart does to the memberships
        assert members_of(group) == set()
        await ws.receive_nothing(timeout=0.3)  # a few lost pings later, the hub has re-joined
        assert members_of(group) == {hub_module.hub_for(layer).channel}

        await sync_to_async(claim_through_api)(claimer, project, slot, django_capture_on_commit_callbacks)
        event = await sync_to_async(lambda: OutboxEvent.objects.get(group=group).as_message())()
        assert await ws.receive_json_from(timeout=5) == batch(event)
        await ws.disconnect()

    run(scenario)


def test_a_socket_whose_handler_fails_leaves_the_hub(monkeypatch, supervisor, company):
    from realtime import selectors

    project = factories.project(supervisor, company, tasks=1)
    watcher = factories.mother()

    def database_gone(*args, **kwargs):
        raise RuntimeError("the database is restarting")

    async def scenario():
        ws = await signed_in(watcher)
        await ws.send_json_to({"type": "follow", "project": project.pk})
        await ws.receive_json_from(timeout=5)
        hub = hub_module.hub_for(get_channel_layer())
        assert any(hub.members.values())
        monkeypatch.setattr(selectors, "events_after", database_gone)
        await ws.send_json_to({"type": "resume", "after": 0})
        with pytest.raises(RuntimeError):
            await ws.receive_output(timeout=5)  # the consumer dies with the error
        assert hub.members == {} and members_of(f"project.{project.pk}") == set()

    run(scenario)

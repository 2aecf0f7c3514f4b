"""Reads and pruning of the outbox: heartbeat ids, the resume horizon."""

import datetime

import pytest
from django.utils import timezone

from realtime import selectors
from realtime.models import OutboxEvent, PruneMark
from realtime.services import outbox_prune
from tests import factories

pytestmark = pytest.mark.django_db


def events(*groups: str, hours_ago: float = 0) -> list[OutboxEvent]:
    rows = OutboxEvent.objects.bulk_create([factories.outbox_event(g) for g in groups])
    OutboxEvent.objects.filter(id__in=[r.id for r in rows]).update(
        at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )
    return rows


def test_latest_ids_name_each_groups_newest_event_across_many_groups():
    groups = [f"worker.{n}" for n in range(450)]  # more than one query's worth
    rows = events(*groups, "worker.7", "project.3")
    latest = selectors.latest_ids([*groups, "project.3", "project.99"])
    assert latest["worker.7"] == rows[-2].id
    assert latest["worker.449"] == rows[449].id
    assert latest["project.3"] == rows[-1].id
    assert latest["project.99"] == 0
    assert len(latest) == 452
    assert selectors.cursor() == rows[-1].id


def test_resume_replays_from_any_point_after_the_prune_horizon_and_resyncs_before_it():
    old = events("project.1", "project.1", hours_ago=72)
    kept = events("project.1", "project.2")
    replay = selectors.events_after(["project.1"], 0)
    assert [(m["type"], m["id"]) for m in replay] == [("task.claimed", e.id) for e in (*old, kept[0])]

    assert outbox_prune(older_than=datetime.timedelta(hours=48)) == 2
    assert selectors.events_after(["project.1"], old[0].id) is None  # what came after it is gone
    assert selectors.events_after(["project.1"], 0) is None
    assert [m["id"] for m in selectors.events_after(["project.1"], old[1].id)] == [kept[0].id]


def test_pruning_twice_is_pruning_once():
    events("project.1", hours_ago=50)
    assert outbox_prune(older_than=datetime.timedelta(hours=48)) == 1
    mark = PruneMark.objects.get()
    assert outbox_prune(older_than=datetime.timedelta(hours=48)) == 0
    assert list(PruneMark.objects.all()) == [mark]


def test_an_empty_outbox_that_was_never_pruned_replays_everything_after_zero():
    rows = events("worker.5", "worker.5")
    assert [m["id"] for m in selectors.events_after(["worker.5"], 0)] == [r.id for r in rows]

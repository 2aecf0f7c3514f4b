"""The in-app inbox: a notice is sent once per key and heard live on her own feed; each person reads
and marks only her own."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from notices.models import Notice, NoticeKind
from notices.selectors import notices_for
from notices.services import notice_read, notice_send
from realtime.models import OutboxEvent
from tests.conftest import api_for

pytestmark = pytest.mark.django_db


def send(user, key="k", kind=NoticeKind.SLOT_STARTING, text="十五分钟后开始", **data):
    return notice_send(user_id=user.pk, kind=kind, key=key, text=text, data=data)


def test_a_notice_is_sent_once_per_key_and_published_once_on_her_feed(mother):
    first = send(mother, key="slot:1", claim=7)

    assert first is not None and first.kind == NoticeKind.SLOT_STARTING and first.read_at is None
    assert send(mother, key="slot:1", text="another text") is None
    assert Notice.objects.filter(user=mother).count() == 1
    [event] = OutboxEvent.objects.filter(type="notice.created")
    assert event.group == f"worker.{mother.pk}"
    assert event.data == {"notice": first.pk, "kind": "slot_starting", "text": "十五分钟后开始", "claim": 7}


def test_the_notice_sent_is_the_row_in_her_inbox(mother):
    sent = send(mother, key="slot:2", claim=8)

    stored = Notice.objects.get(user=mother, key="slot:2")
    assert sent.pk == stored.pk and not sent._state.adding
    assert (sent.kind, sent.text, sent.data, sent.created_at, sent.read_at) == (
        stored.kind,
        stored.text,
        stored.data,
        stored.created_at,
        stored.read_at,
    )


def test_the_same_key_for_two_people_is_two_notices(mother, other_mother):
    assert send(mother) is not None and send(other_mother) is not None
    assert OutboxEvent.objects.filter(type="notice.created").count() == 2


def test_a_long_key_and_text_are_cut_to_their_columns(mother):
    notice = send(mother, key="k" * 200, text="字" * 500)

    assert notice.key == "k" * 120 and notice.text == "字" * 400
    assert send(mother, key="k" * 130) is None  # the same key once cut


def test_her_inbox_is_hers_newest_first(mother, other_mother):
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(hours=1), tick=False):
        older = send(mother, key="a")
    with time_machine.travel(now, tick=False):
        newer = send(mother, key="b", kind=NoticeKind.DEADLINE_NEAR)
        send(other_mother, key="c")

    assert list(notices_for(mother)) == [newer, older]
    listed = api_for(mother).get("/api/v1/me/notices").json()["results"]
    assert [n["id"] for n in listed] == [newer.pk, older.pk]
    assert set(listed[0]) == {"id", "kind", "text", "data", "created_at", "read_at"}
    kind = api_for(mother).get("/api/v1/me/notices", {"kind": "deadline_near"}).json()["results"]
    assert [n["id"] for n in kind] == [newer.pk]


def test_reading_a_notice_marks_it_once_and_unread_leaves_it_out(mother):
    first, second = send(mother, key="a"), send(mother, key="b")
    client = api_for(mother)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5), tick=False):
        read = client.post(f"/api/v1/me/notices/{first.pk}/read")
    assert read.status_code == 200 and read.json()["id"] == first.pk and read.json()["read_at"]
    again = client.post(f"/api/v1/me/notices/{first.pk}/read").json()
    assert again["read_at"] == read.json()["read_at"]  # the first reading stands

    unread = client.get("/api/v1/me/notices", {"unread": "1"}).json()["results"]
    assert [n["id"] for n in unread] == [second.pk]


def test_no_one_reads_or_marks_another_persons_notice(mother, other_mother):
    hers = send(mother)

    response = api_for(other_mother).post(f"/api/v1/me/notices/{hers.pk}/read")

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Notice.objects.get(pk=hers.pk).read_at is None
    assert notice_read(user=other_mother, notice_id=hers.pk) is None
    assert api_for(other_mother).get("/api/v1/me/notices").json()["results"] == []

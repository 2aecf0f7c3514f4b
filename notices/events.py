"""What the inbox publishes: ``notice.created`` on the person's own feed (after commit, through the outbox)."""

from notices.models import Notice
from realtime import events
from realtime.groups import worker_group
from realtime.publish import publish


def notice_created(notice: Notice) -> None:
    publish(
        events.notice_created(notice=notice.pk, kind=notice.kind, text=notice.text, about=notice.data),
        groups=[worker_group(notice.user_id)],
    )

"""Writes of the inbox: send a notice (once per key, live on her own feed), mark one read."""

from django.utils import timezone

from accounts.models import User
from notices import events, selectors
from notices.models import Notice


def notice_send(*, user_id: int, kind: str, key: str, text: str, data: dict | None = None) -> Notice | None:
    """Put a notice in the user's inbox once per ``key``; None when it was already sent.
    Call inside the transaction of the change it reports (jobs run each item in one)."""
    notice, created = Notice.objects.get_or_create(
        user_id=user_id,
        key=key[:120],
        defaults={"kind": kind, "text": text[:400], "data": data or {}, "created_at": timezone.now()},
    )
    if not created:
        return None
    events.notice_created(notice)
    return notice


def notice_read(*, user: User, notice_id: int) -> Notice | None:
    """Mark one of the user's own notices read (the first time only); None when she has no such notice."""
    notice = selectors.notices_for(user).filter(pk=notice_id).first()
    if notice is not None and notice.read_at is None:
        Notice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
        notice.refresh_from_db()
    return notice

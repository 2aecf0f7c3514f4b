"""Her quiet hours as clock times: whether a moment falls in them, and when they end (pure)."""

import datetime

from django.utils import timezone


def in_quiet_hours(start: datetime.time, end: datetime.time, at: datetime.datetime) -> bool:
    """Whether ``at`` (local time) is in the window from ``start`` to ``end``, which may run past
    midnight; equal times mean no quiet hours."""
    now = timezone.localtime(at).time()
    if start == end:
        return False
    return start <= now or now < end if start > end else start <= now < end


def quiet_ends(start: datetime.time, end: datetime.time, at: datetime.datetime) -> datetime.datetime:
    """The first moment after ``at`` when her quiet hours are over (``at`` itself when they are)."""
    if not in_quiet_hours(start, end, at):
        return at
    local = timezone.localtime(at)
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += datetime.timedelta(days=1)  # wall-clock arithmetic on the local day
    return ends

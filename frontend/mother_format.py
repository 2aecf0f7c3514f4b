"""How the mothers' app writes times, weeks and durations: Asia/Shanghai, the way Chinese
readers say them (11月29日 周日 09:00–11:30, 周一至周五), and plainly in English."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from frontend.mother_forms import MOTHER_WEEKDAYS

_SHORT = dict(MOTHER_WEEKDAYS)


def weekday_short(weekday: int) -> str:
    return str(_SHORT[weekday])


def day_text(moment: datetime.datetime | datetime.date) -> str:
    """``11月29日 周日`` / ``Sun, 11/29``."""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment).date()
    return _("%(weekday)s, %(month)s/%(day)s") % {
        "weekday": weekday_short(moment.weekday()),
        "month": moment.month,
        "day": moment.day,
    }


def slot_text(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """``11月29日 周日 09:00–11:30``; a slot over midnight names both days."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        return f"{day_text(start)} {start:%H:%M}–{end:%H:%M}"
    return f"{day_text(start)} {start:%H:%M} – {day_text(end)} {end:%H:%M}"


def moment_text(moment: datetime.datetime) -> str:
    """``11月29日 周日 14:05``."""
    local = timezone.localtime(moment)
    return f"{day_text(local)} {local:%H:%M}"


def minutes_text(minutes: int) -> str:
    """``约 1 小时 30 分钟`` / ``about 1 h 30 min``."""
    minutes = max(1, int(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("about %(m)s min") % {"m": rest}
    if not rest:
        return _("about %(h)s h") % {"h": hours}
    return _("about %(h)s h %(m)s min") % {"h": hours, "m": rest}


def minutes_left_text(minutes: int) -> str:
    """``还剩 8 分钟`` / ``还剩 1 小时 20 分钟``: what is left of a slot already running."""
    hours, rest = divmod(max(0, int(minutes)), 60)
    if not hours:
        return _("%(m)s min left") % {"m": rest}
    return _("%(h)s h %(m)s min left") % {"h": hours, "m": f"{rest:02d}"}


def time_left_text(deadline: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """What the countdown shows before JavaScript takes over (it then ticks every second)."""
    seconds = int((deadline - (now or timezone.now())).total_seconds())
    if seconds <= 0:
        return _("Time is up")
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours >= 24:
        return _("%(d)s d %(h)s h left") % {"d": hours // 24, "h": hours % 24}
    if hours:
        return _("%(h)s h %(m)s min left") % {"h": hours, "m": f"{minutes:02d}"}
    return _("%(m)s min %(s)s s left") % {"m": minutes, "s": f"{seconds:02d}"}


def weekdays_text(days) -> str:
    """``周一至周五``, ``周一、周三、周六``, ``周一至周三、周六``."""
    days = sorted(set(days))
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("%(first)s to %(last)s") % {"first": weekday_short(run[0]), "last": weekday_short(run[-1])})
        else:
            parts.extend(weekday_short(day) for day in run)
    return _(", ").join(parts)


def week_rows(windows) -> list[dict]:
    """Her weekly windows folded into lines: the days that share one time range."""
    by_range: dict[tuple, list[int]] = {}
    for window in windows:
        by_range.setdefault((window.start, window.end), []).append(window.weekday)
    rows = [{"days": sorted(days), "start": start, "end": end} for (start, end), days in by_range.items()]
    rows.sort(key=lambda row: (row["days"][0], row["start"]))
    return rows


def week_summary(windows) -> list[str]:
    """``["周一至周五 09:00–11:30", "周六 20:00–22:00"]``."""
    return [f"{weekdays_text(row['days'])} {row['start']:%H:%M}–{row['end']:%H:%M}" for row in week_rows(windows)]

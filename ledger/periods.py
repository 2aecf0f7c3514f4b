"""Periods of finance: the half-months settled, local midnights, the dates people may name."""

import calendar
import datetime

from django.utils import timezone

# Dates people may name: anything outside is a typo (and beyond datetime's range near the ends).
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def half_month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The half-month (1st–15th, 16th–end) containing ``day``."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_ended_half_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start, _end = half_month(today)
    return half_month(start - datetime.timedelta(days=1))


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day`` (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

"""Working time between two instants, in Asia/Shanghai: weekends and holidays don't count.

``workdays_between(a, b)`` is the number of working days' worth of time (24 h per working day)
that lies between ``a`` and ``b``: sent Friday 17:00, answered Monday 09:00 -> 7 h + 9 h = 0.67.
Holidays are dates that don't count; ``extra_workdays`` are weekend dates that do (调休).
"""
from __future__ import annotations

import datetime as dt
from typing import AbstractSet

from govcrawl.clock import SHANGHAI

CHINA = SHANGHAI  # China Standard Time, no DST (one definition: govcrawl.clock)
DAY = dt.timedelta(days=1)


def is_workday(day: dt.date, holidays: AbstractSet[dt.date] = frozenset(), extra_workdays: AbstractSet[dt.date] = frozenset()) -> bool:
    if day in extra_workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def workdays_between(
    start: dt.datetime,
    end: dt.datetime,
    holidays: AbstractSet[dt.date] = frozenset(),
    extra_workdays: AbstractSet[dt.date] = frozenset(),
) -> float:
    """Working days (fractional) from ``start`` to ``end``; negative if ``end`` is before ``start``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("workdays_between needs timezone-aware datetimes")
    if end < start:
        return -workdays_between(end, start, holidays, extra_workdays)
    a = start.astimezone(CHINA)
    b = end.astimezone(CHINA)
    total = dt.timedelta()
    day = a.date()
    while day <= b.date():
        lo = max(a, dt.datetime.combine(day, dt.time(), CHINA))
        hi = min(b, dt.datetime.combine(day + DAY, dt.time(), CHINA))
        if hi > lo and is_workday(day, holidays, extra_workdays):
            total += hi - lo
        day += DAY
    return total / DAY


def hours_between(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600.0

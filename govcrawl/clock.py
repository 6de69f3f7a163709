"""The evaluation clock: page dates are Asia/Shanghai calendar dates, machine times are UTC."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

#: China Standard Time (no DST), the zone of every page date.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def today_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date()


def eval_date_from(value: str | date | None) -> date:
    """The evaluation date from a YYYY-MM-DD string (empty: today in Asia/Shanghai)."""
    if isinstance(value, date):
        return value
    if not value:
        return today_shanghai()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"evaluation date {value!r}: expected YYYY-MM-DD") from None


def parse_iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None

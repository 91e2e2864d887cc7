"""The date window of a sync: which days of transactions it fetches."""

from __future__ import annotations

import datetime as dt

from lean_connector.errors import InvalidRequestError

__all__ = ["DEFAULT_WINDOW_DAYS", "resolve_window"]

DEFAULT_WINDOW_DAYS = 30


def _parse_date(value: dt.date | str, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidRequestError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from exc


def resolve_window(
    start_date: dt.date | str | None,
    end_date: dt.date | str | None,
    *,
    days: int = DEFAULT_WINDOW_DAYS,
    today: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """The (start, end) dates, inclusive: end defaults to today (UTC), start to end - days."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise InvalidRequestError(f"days must be an integer >= 0, got {days!r}")
    end = _parse_date(end_date, "end_date") if end_date is not None else None
    end = end or today or dt.datetime.now(dt.UTC).date()
    start = _parse_date(start_date, "start_date") if start_date is not None else None
    start = start or end - dt.timedelta(days=days)
    if end < start:
        raise InvalidRequestError(
            f"end_date {end.isoformat()} is before start_date {start.isoformat()}: "
            "swap them or fix the window"
        )
    return start, end

"""The instants and days a report may be asked about: a bounded range, so that arithmetic
around them (a default period before `to`, the day windows before `as_of`) cannot leave
the calendar. ISO 8601 admits 0001-01-01T00:00-16:50, which Python cannot even move to
UTC; an answer about it would be a 500, so it is a 400 (InvalidQuery) instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from quanhub.ledger.errors import InvalidQuery

__all__ = [
    "EARLIEST",
    "LATEST",
    "aware_instant",
    "bounded_day",
    "bounded_instant",
    "first_day",
]

#: Reports read the ledger between these (far wider than any ledger's life).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def aware_instant(name: str, value: datetime | None) -> datetime | None:
    """`value` unchanged when it has a UTC offset and a UTC instant a datetime holds;
    otherwise InvalidQuery naming the parameter. For instants that need no narrower range
    (a filter compared in SQL, or a route with a range of its own)."""
    if value is None:
        return value
    if value.tzinfo is None:
        raise InvalidQuery(f"`{name}` needs a UTC offset, e.g. 2026-11-05T08:00:00+08:00")
    try:
        value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T05:00+08:00: valid ISO 8601, no UTC instant
        raise InvalidQuery(f"`{name}` must lie between the years 1 and 9999 in UTC") from None
    return value


def bounded_instant(name: str, value: datetime | None) -> datetime | None:
    """`value` unchanged when it lies in [EARLIEST, LATEST) (a time without an offset is
    ranged as if UTC and left to the caller's own offset check); otherwise InvalidQuery
    naming the parameter."""
    if value is None:
        return value
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        msg = f"`{name}` must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)"
        raise InvalidQuery(msg)
    return value


def bounded_day(name: str, value: date | None) -> date | None:
    """`value` unchanged when it lies in [EARLIEST, LATEST) as a day, else InvalidQuery."""
    if value is not None and not EARLIEST.date() <= value < LATEST.date():
        msg = f"`{name}` must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
        raise InvalidQuery(msg)
    return value


def first_day(end: date, days: int) -> date:
    """The first of `days` days ending at `end`, never before 0001-01-01 (the earliest day
    a date holds: `end - 29 days` would overflow for an unbounded `to` in January of 1)."""
    return end - timedelta(days=min(days - 1, (end - date.min).days))

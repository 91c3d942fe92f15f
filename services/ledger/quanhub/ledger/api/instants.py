"""The instants and days a report may be asked about: a bounded range, so that arithmetic
around them (a default period before `to`, the day windows before `as_of`) cannot leave
the calendar. ISO 8601 admits 0001-01-01T00:00-16:50, which Python cannot even move to
UTC; an answer about it would be a 500, so it is a 422 instead."""

from __future__ import annotations

from datetime import UTC, date, datetime

from quanhub.ledger.errors import InvalidQuery

__all__ = ["EARLIEST", "LATEST", "bounded_day", "bounded_instant"]

#: Reports read the ledger between these (far wider than any ledger's life).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


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

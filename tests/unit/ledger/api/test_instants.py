"""Report instants and days are bounded before any arithmetic around them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from quanhub.ledger.api.instants import aware_instant, bounded_day, bounded_instant, first_day
from quanhub.ledger.errors import InvalidQuery


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1),  # noqa: DTZ001 - no offset: ranged as UTC
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))),  # no UTC instant at all
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=2, minutes=48))),
        datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2200, 1, 1, tzinfo=UTC),
    ],
)
def test_an_instant_outside_the_range_is_refused(value: datetime) -> None:
    with pytest.raises(InvalidQuery, match="`to`"):
        bounded_instant("to", value)


def test_instants_and_days_inside_are_kept() -> None:
    naive = datetime(2026, 11, 5, 8)  # noqa: DTZ001 - the case under test
    aware = datetime(2026, 11, 5, 8, tzinfo=timezone(timedelta(hours=8)))
    assert bounded_instant("as_of", naive) is naive  # its offset is the route's check
    assert bounded_instant("as_of", aware) is aware
    assert bounded_instant("as_of", None) is None
    assert bounded_day("from", date(2026, 11, 5)) == date(2026, 11, 5)
    with pytest.raises(InvalidQuery, match="`from`"):
        bounded_day("from", date(1, 1, 29))


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 5, 8),  # noqa: DTZ001 - no offset: refused, not read as local time
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))),  # no UTC instant at all
    ],
)
def test_an_instant_without_a_utc_instant_is_refused(value: datetime) -> None:
    with pytest.raises(InvalidQuery, match="`from`"):
        aware_instant("from", value)


def test_an_aware_instant_is_kept_whatever_its_year() -> None:
    for value in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)):
        assert aware_instant("to", value) is value
    assert aware_instant("to", None) is None


def test_a_period_starts_no_earlier_than_the_first_day() -> None:
    assert first_day(date(2026, 11, 30), 30) == date(2026, 11, 1)
    assert first_day(date(2026, 11, 30), 1) == date(2026, 11, 30)
    assert first_day(date(1, 1, 5), 30) == date.min

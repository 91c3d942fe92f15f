"""A period's histogram rows: whole ISO weeks from the weekly rollup, edge days daily."""

from __future__ import annotations

from datetime import date

import pytest

from quanhub.ledger.kpis.fine import NO_WEEKS, FineHistogram, week_bounds

HIST = FineHistogram("h", "daily_t", "weekly_t", "n_col", ("district_code",))


@pytest.mark.parametrize(
    ("start", "end", "weeks"),
    [
        # Sunday 1 .. Monday 30 November 2026: Monday 2 .. Sunday 29 are whole weeks.
        (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 11, 2), date(2026, 11, 29))),
        # Exactly one week, Monday to Sunday.
        (date(2026, 11, 2), date(2026, 11, 8), (date(2026, 11, 2), date(2026, 11, 8))),
        # Seven days from a Tuesday hold no whole week.
        (date(2026, 11, 3), date(2026, 11, 9), NO_WEEKS),
        (date(2026, 11, 2), date(2026, 11, 7), NO_WEEKS),
        (date.min, date.min, NO_WEEKS),
    ],
)
def test_week_bounds(start: date, end: date, weeks: tuple[date, date]) -> None:
    assert week_bounds(start, end) == weeks
    first, last = weeks
    if weeks != NO_WEEKS:
        assert (first.isoweekday(), last.isoweekday()) == (1, 7)
        assert start <= first <= last <= end


def test_edge_days_are_daily_and_whole_weeks_weekly() -> None:
    sql = HIST.cte("day BETWEEN $1 AND $2 AND district_code LIKE $3 || '%'", 4)
    assert (
        "FROM daily_t WHERE day BETWEEN $1 AND $2 AND district_code LIKE $3 || '%' "
        "AND day < $4 " in sql
    )
    assert (
        "FROM daily_t WHERE day BETWEEN $1 AND $2 AND district_code LIKE $3 || '%' "
        "AND day > $5 AND day >= $4 " in sql
    )
    assert "FROM weekly_t WHERE week BETWEEN $4 AND $5 AND district_code LIKE $3 || '%'" in sql


def test_a_filter_must_start_with_the_period() -> None:
    with pytest.raises(ValueError, match="starts with"):
        HIST.cte("district_code = $1", 2)

"""The Post Bureau's measures from rollup sums: rates, sample guard, grouping, filters."""

from __future__ import annotations

import pytest

from quanhub.ledger.kpis.delivery_times import _where, group_columns, measures_fields

SUMS = {
    "delivered": 50,
    "timed": 40,
    "timed_events": 160,
    "within_48h": 30,
    "within_72h": 38,
    "seconds_sum": 40 * 36 * 3600,
}


def test_rates_are_over_the_timed_parcels() -> None:
    m = measures_fields(SUMS, {6 * 36: 40})  # every one in the 36:00-36:10 bucket
    assert m["on_time_48h"] == {
        "hours": 48,
        "within": 30,
        "sample": 40,
        "rate": 0.75,
        "sufficient": True,
        "status": "ok",
    }
    assert m["on_time_72h"]["rate"] == pytest.approx(0.95)
    full = m["full_delivery_time"]
    assert (full["mean_hours"], full["p50_hours"], full["p99_hours"]) == (
        36.0,
        36 + 5 / 60,
        36 + 5 / 60,
    )


def test_below_the_minimum_sample_there_is_no_number() -> None:
    small = dict(SUMS, timed=29, within_48h=29, within_72h=29)
    m = measures_fields(small, {0: 29})
    assert (m["on_time_48h"]["rate"], m["on_time_48h"]["status"]) == (None, "too_little_data")
    assert m["on_time_48h"]["within"] == 29
    assert m["full_delivery_time"]["p50_hours"] is None
    empty = measures_fields(dict.fromkeys(SUMS, 0), {})
    assert empty["on_time_72h"]["status"] == "no_data"


def test_group_by_names_expand_to_rollup_columns() -> None:
    assert group_columns([]) == ()
    assert group_columns(["lane"]) == ("origin_district", "district_code")
    assert group_columns(["district", "carrier", "lane"]) == (
        "carrier_id",
        "origin_district",
        "district_code",
    )


def test_filters_number_their_parameters_after_the_period() -> None:
    assert _where(False, False, False) == "day BETWEEN $1 AND $2"
    assert _where(True, False, True) == (
        "day BETWEEN $1 AND $2 AND carrier_id = $3 AND district_code LIKE $4 || '%'"
    )
    assert "origin_district LIKE $3" in _where(False, True, False)

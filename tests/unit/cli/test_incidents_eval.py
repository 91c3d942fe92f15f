"""The incident evaluation's matching: delays, start and end errors, false alarms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quanhub.cli.incidents_eval import _simulated_flows, compare
from quanhub.ledger.incidents.detect import Incident, window_of

START = datetime(2026, 11, 9, 0, 0, tzinfo=UTC)
INJECTED = [
    {
        "carrier": "YTO",
        "district": "370112",
        "start": START.isoformat(),
        "end": (START + timedelta(hours=6)).isoformat(),
        "mode": "stop",
        "parcels_held": 120,
    }
]


def _found(carrier: str, start: datetime, end: datetime | None, detected: datetime) -> Incident:
    return Incident(carrier, "370112", start, detected, end, expected_scans=50.0)


def test_a_detection_within_thirty_minutes_passes() -> None:
    found = _found(
        "YTO",
        START + timedelta(minutes=10),
        START + timedelta(hours=5, minutes=50),
        START + timedelta(minutes=30),
    )
    report = compare(INJECTED, [found])
    (row,) = report["injected"]
    assert (row["delay_minutes"], row["start_error_minutes"], row["end_error_minutes"]) == (
        30.0,
        10.0,
        -10.0,
    )
    assert report["passed"] is True
    assert report["false_alarms"] == []


def test_late_missed_and_unexplained_detections_fail() -> None:
    late = _found("YTO", START, None, START + timedelta(minutes=40))
    other = _found("ZTO", START, START + timedelta(hours=1), START + timedelta(minutes=20))
    report = compare(INJECTED, [late, other])
    assert report["injected"][0]["delay_minutes"] == 40.0
    assert report["injected"][0]["end_error_minutes"] is None
    assert [a["carrier"] for a in report["false_alarms"]] == ["ZTO"]
    assert report["passed"] is False
    missed = compare(INJECTED, [])
    assert missed["injected"][0]["detected"] is False
    assert missed["passed"] is False


def test_a_clean_run_passes_with_no_detection() -> None:
    assert compare([], [])["passed"] is True


def test_a_simulated_warmup_gives_the_flows_their_history() -> None:
    """--simulate --warmup-days: the day before --start already holds the city's scans."""

    def day_before(warmup: float) -> int:
        flows, _ = _simulated_flows(700, 3, START, 7, "normal", [], warmup_days=warmup)
        first = window_of(START)
        return sum(n for counts in flows.values() for w, n in counts.items() if w < first - 18)

    assert day_before(0) == 0
    assert day_before(3) > 500

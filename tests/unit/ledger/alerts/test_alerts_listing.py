"""Pages, cursors and counts of alerts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quanhub.ledger.alerts.listing import counts, decode_cursor, in_district, page
from quanhub.ledger.alerts.model import Alert, AlertKind
from quanhub.ledger.errors import InvalidQuery

AT = datetime(2026, 11, 10, tzinfo=UTC)


def _alert(key: str, hours: int, carrier: str = "SF", district: str = "370112") -> Alert:
    return Alert(
        key=key,
        kind=AlertKind.STALLED,
        object="parcel",
        carrier=carrier,
        status="IN_TRANSIT",
        district=district,
        since=AT + timedelta(hours=hours),
        silent_hours=1,
        threshold_hours=1,
        norm="",
    )


def test_pages_follow_since_then_key_without_gaps_or_repeats() -> None:
    alerts = [_alert("P|SF|B", 1), _alert("P|SF|A", 1), _alert("P|SF|C", 0)]
    seen: list[str] = []
    cursor = None
    while True:
        items, cursor = page(alerts, 2, cursor)
        seen += [a.key for a in items]
        if cursor is None:
            break
    assert seen == ["P|SF|C", "P|SF|A", "P|SF|B"]


@pytest.mark.parametrize("cursor", ["", "!!", "bm9uZQ", "MjAyNi0xMS0xMFQwMDowMDowMApY"])
def test_a_foreign_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidQuery):
        decode_cursor(cursor)


def test_counts_per_carrier_district_and_kind_largest_first() -> None:
    alerts = [_alert("a", 0), _alert("b", 0), _alert("c", 0, carrier="ZTO", district="370102")]
    assert [(c.carrier, c.district, c.alerts) for c in counts(alerts)] == [
        ("SF", "370112", 2),
        ("ZTO", "370102", 1),
    ]


def test_a_district_filter_is_a_code_or_a_prefix() -> None:
    alert = _alert("a", 0, district="370112")
    assert in_district(alert, None)
    assert in_district(alert, "3701")
    assert not in_district(alert, "370102")

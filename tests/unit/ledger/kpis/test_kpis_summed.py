"""kpis.summed: several instances' report rows and histograms add up to what one instance
holding every rollup row answers (groups filtered and ranked only after adding)."""

from __future__ import annotations

from typing import Any

from quanhub.ledger.kpis.compute import TOP_REASONS
from quanhub.ledger.kpis.summed import _add, _add_groups, _merge


def _parts(**rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    empty: dict[str, list[dict[str, Any]]] = {
        "parcel_rows": [],
        "delivery_rows": [],
        "declared_rows": [{"with_receipt": 0, "receipt_events": 0, "rejected": 0}],
        "reason_rows": [],
        "clearance_rows": [],
    }
    return empty | rows


def test_groups_are_added_before_they_are_filtered_and_ranked() -> None:
    home = _parts(
        parcel_rows=[{"carrier_id": "SF", "parcels": 2, "events": 5}],
        reason_rows=[{"reason": f"r{n}", "n": 1} for n in range(TOP_REASONS + 2)],
        declared_rows=[{"with_receipt": 3, "receipt_events": 4, "rejected": 1}],
        delivery_rows=[{"district_code": "370102", "carrier_id": "SF", "delivered": 0}],
    )
    other = _parts(
        parcel_rows=[
            {"carrier_id": "SF", "parcels": 1, "events": 1},
            {"carrier_id": "ZTO", "parcels": 4, "events": 9},
        ],
        # Sixth on each instance alone, first once both are added.
        reason_rows=[{"reason": f"r{TOP_REASONS + 1}", "n": 5}],
        declared_rows=[{"with_receipt": 1, "receipt_events": 2, "rejected": 1}],
        delivery_rows=[{"district_code": "370102", "carrier_id": "SF", "delivered": 2}],
    )
    summed = _add([home, other])
    assert summed["parcel_rows"] == [
        {"carrier_id": "ZTO", "parcels": 4, "events": 9},
        {"carrier_id": "SF", "parcels": 3, "events": 6},
    ]
    assert summed["reason_rows"][0] == {"reason": f"r{TOP_REASONS + 1}", "n": 6}
    assert len(summed["reason_rows"]) == TOP_REASONS
    assert summed["declared_rows"] == [{"with_receipt": 4, "receipt_events": 6, "rejected": 2}]
    # A group without a delivery on one instance still counts the other's.
    assert summed["delivery_rows"] == [
        {"district_code": "370102", "carrier_id": "SF", "delivered": 2}
    ]


def test_histograms_merge_bucket_by_bucket() -> None:
    merged = _merge([{("SF",): {1: 2, 5: 1}}, {("SF",): {5: 3, 9: -1}, ("ZTO",): {2: 1}}, {}])
    assert merged == {("SF",): {1: 2, 5: 4, 9: -1}, ("ZTO",): {2: 1}}
    assert _merge([{("SF",): {3: 1}}, {("SF",): {3: -1}}]) == {("SF",): {}}


def test_delivery_groups_add_and_keep_those_delivered() -> None:
    keys = ("carrier_id",)
    rows = _add_groups(
        [
            [{"carrier_id": "ZTO", "delivered": 0, "timed": 0}],
            [
                {"carrier_id": "ZTO", "delivered": 1, "timed": 1},
                {"carrier_id": "SF", "delivered": 2, "timed": 1},
                {"carrier_id": "YTO", "delivered": 0, "timed": 0},
            ],
        ],
        keys,
    )
    assert rows == [
        {"carrier_id": "SF", "delivered": 2, "timed": 1},
        {"carrier_id": "ZTO", "delivered": 1, "timed": 1},
    ]

"""The simulator's waybill numbers are the carriers' documented shapes, one per parcel."""

from __future__ import annotations

from collections import Counter

from quanhub.common.waybills import detect_carriers
from quanhub.simulator.generator import Simulation


def test_each_parcel_has_its_own_number_and_detection_lists_its_carrier(
    busy_run: Simulation,
) -> None:
    parcels = [s.parcel for s in busy_run.stories if s.parcel]
    keys = Counter((p.carrier.carrier_id, p.waybill_no) for p in parcels)
    assert parcels
    assert keys.most_common(1)[0][1] == 1
    for parcel in parcels:
        top3 = [g.carrier_id for g in detect_carriers(parcel.waybill_no)[:3]]
        assert parcel.carrier.carrier_id in top3, parcel.waybill_no

"""The ground truth reads events the way the hub does.

Every simulated event goes through the gateway's tokenisation (quanhub.common.pii) and the
normalizer's real mapping; the canonical status, delivery point, bag, e-waybill flag and
district the hub derives must be what the simulator's facts assume (their statuses are the
normalizer's vocabulary lookups, quanhub.simulator.hub; the whole mapping must agree).
"""

from __future__ import annotations

from datetime import datetime

from quanhub.common.canonical import (
    declaration_status_name,
    delivery_point_name,
    order_status_name,
    parcel_status_name,
    transit_bag_name,
)
from quanhub.common.pii import protect_event
from quanhub.normalizer.mapping.normalize import DeadLetter, normalize
from quanhub.normalizer.vocab import customs
from quanhub.normalizer.vocab.registry import order_lookup, parcel_lookup
from quanhub.simulator.generator import Simulation
from quanhub.simulator.hub import customs_reading, order_status, parcel_reading
from quanhub.simulator.model import Anomaly, CustomsMessage, OrderChange, Scan
from quanhub.simulator.vocab import ORDER_CODES, PARCEL_CODES, UNKNOWN_CODES, UNKNOWN_RETURN_STATUS

_ROLE = {"order": "platform", "parcel": "carrier", "customs": "customs_agent"}


def _bare(name: str) -> str:
    return "" if name == "UNSPECIFIED" else name


def test_every_code_a_clean_story_sends_is_in_the_hubs_vocabulary() -> None:
    unknown = [
        (system, milestone.name, row.code)
        for system, rows in PARCEL_CODES.items()
        for milestone, row in rows.items()
        if parcel_reading(system, row.code).status == "UNKNOWN"
    ] + [
        (system, step.name, row.code)
        for system, rows in ORDER_CODES.items()
        for step, row in rows.items()
        if order_status(system, row.code) == "UNKNOWN"
    ]
    assert unknown == []


def test_the_unknown_code_anomaly_sends_codes_the_hub_does_not_know() -> None:
    for system in PARCEL_CODES:
        lookup = parcel_lookup(system)
        assert lookup is not None, system
        assert lookup(UNKNOWN_CODES[system].code) is None, system
    for system in ORDER_CODES:
        lookup = order_lookup(system)
        assert lookup is not None, system
        assert lookup(UNKNOWN_CODES[system].code) is None, system
    assert not customs.lookup("CEB622", UNKNOWN_RETURN_STATUS.code).known


def test_the_normalizer_reads_every_event_as_the_ground_truth_does(
    busy_run: Simulation, judged_at: datetime
) -> None:
    mismatches: list[tuple[str, str, str]] = []
    for step, event in busy_run.encoded():
        kind = event.WhichOneof("body") or ""
        envelope = protect_event(event, step.partner, _ROLE[kind], judged_at, "", "gateway", "k")
        result = normalize(envelope)
        if step.anomaly is Anomaly.MALFORMED:
            if not isinstance(result, DeadLetter):
                mismatches.append((step.event_id, "malformed but normalised", step.defect))
            continue
        assert not isinstance(result, DeadLetter), (step.event_id, result)
        canonical = result.event
        unknown = step.anomaly is Anomaly.UNKNOWN_CODE
        body = step.body
        if isinstance(body, Scan):
            p = canonical.parcel
            want = parcel_reading(event.parcel.code_system, event.parcel.code).status
            if unknown != (want == "UNKNOWN"):
                mismatches.append((step.event_id, "unknown code", want))
            got = {
                "status": parcel_status_name(p.status),
                "carrier": p.carrier_id,
                "point": _bare(delivery_point_name(p.delivery_point)),
                "bag": _bare(transit_bag_name(p.transit_bag)),
                "e_waybill": p.e_waybill,
                "district": p.district_code,
            }
            expected = {
                "status": want,
                "carrier": body.parcel.carrier.carrier_id,
                "point": body.parcel.delivery_point if body.at_delivery_point else "",
                "bag": _bare(transit_bag_name(event.parcel.transit_bag)),
                "e_waybill": body.parcel.e_waybill,
                "district": body.district_code,
            }
            if got != expected:
                mismatches.append((step.event_id, str(got), str(expected)))
        elif isinstance(body, OrderChange):
            want = order_status(event.order.code_system, event.order.code)
            if unknown != (want == "UNKNOWN"):
                mismatches.append((step.event_id, "unknown code", want))
            if order_status_name(canonical.order.status) != want:
                mismatches.append((step.event_id, order_status_name(canonical.order.status), want))
        elif isinstance(body, CustomsMessage):
            c = canonical.customs
            reading = customs_reading(event.customs.message_type, event.customs.return_status)
            want = reading.status
            got_status = declaration_status_name(c.status)
            if (
                got_status != want
                or reading.is_receipt != body.is_receipt
                or c.consignee.district_code != event.customs.consignee.district_code
            ):
                mismatches.append((step.event_id, got_status, want))
    assert mismatches == []

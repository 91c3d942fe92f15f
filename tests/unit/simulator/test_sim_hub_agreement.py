"""The ground truth reads events the way the hub does.

Every simulated event goes through the gateway's tokenisation (quanhub.common.pii) and the
normalizer's real mapping; the canonical status, delivery point, bag, e-waybill flag and
district the hub derives must be what the simulator's code rows and facts assume. Services
never import each other; a test that holds two of them to one contract may.
"""

from __future__ import annotations

from datetime import datetime

from quanhub.common.canonical import (
    declaration_status_name,
    delivery_point_name,
    order_status_name,
    parcel_status_name,
    parcel_sub_status_name,
    transit_bag_name,
)
from quanhub.common.pii import protect_event
from quanhub.normalizer.mapping.normalize import DeadLetter, normalize
from quanhub.normalizer.vocab.registry import order_lookup, parcel_lookup
from quanhub.simulator.generator import Simulation
from quanhub.simulator.model import Anomaly, CustomsMessage, OrderChange, Scan
from quanhub.simulator.precedence import customs_status
from quanhub.simulator.vocab import ORDER_CODES, PARCEL_CODES, UNKNOWN_CODES, order_row, parcel_row

_ROLE = {"order": "platform", "parcel": "carrier", "customs": "customs_agent"}


def _bare(name: str) -> str:
    return "" if name == "UNSPECIFIED" else name


def test_every_parcel_row_matches_the_normalizer_table() -> None:
    for system, rows in PARCEL_CODES.items():
        lookup = parcel_lookup(system)
        assert lookup is not None, system
        for milestone, row in rows.items():
            found = lookup(row.code)
            assert found is not None, (system, milestone, row.code)
            got = (
                parcel_status_name(found.status),
                _bare(parcel_sub_status_name(found.sub_status)),
            )
            assert got == (row.status, row.sub_status), (system, milestone, row.code)
        assert lookup(UNKNOWN_CODES[system].code) is None, system


def test_every_order_row_matches_the_normalizer_table() -> None:
    for system, rows in ORDER_CODES.items():
        lookup = order_lookup(system)
        assert lookup is not None, system
        for step, row in rows.items():
            found = lookup(row.code)
            assert found is not None, (system, step, row.code)
            assert order_status_name(found.status) == row.status, (system, step, row.code)
        assert lookup(UNKNOWN_CODES[system].code) is None, system


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
            row = parcel_row(body.parcel.carrier.code_system, body.milestone)
            want = "UNKNOWN" if unknown or row is None else row.status
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
            row = order_row(body.order.platform.code_system, body.step)
            want = "UNKNOWN" if unknown or row is None else row.status
            if order_status_name(canonical.order.status) != want:
                mismatches.append((step.event_id, order_status_name(canonical.order.status), want))
        elif isinstance(body, CustomsMessage):
            c = canonical.customs
            want = customs_status(event.customs.return_status) if body.is_receipt else "SUBMITTED"
            got_status = declaration_status_name(c.status)
            if (
                got_status != want
                or c.consignee.district_code != event.customs.consignee.district_code
            ):
                mismatches.append((step.event_id, got_status, want))
    assert mismatches == []

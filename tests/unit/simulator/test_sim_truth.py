"""The summary's indicators, recomputed independently from the stories themselves.

The summary reads the encoded events the way the ledger does; this test walks the domain
stories (what the simulator meant to happen) with straightforward code, and both must agree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from quanhub.simulator.generator import Simulation
from quanhub.simulator.hub import parcel_reading
from quanhub.simulator.milestones import Milestone
from quanhub.simulator.model import Anomaly, CustomsMessage, Scan, Step
from quanhub.simulator.summary import summarize
from quanhub.simulator.vocab import parcel_row

_BAGGED = {Milestone.DEPARTED_HUB, Milestone.ARRIVED_AT_HUB, Milestone.LINE_HAUL}


def _clean(simulation: Simulation) -> list[Step]:
    return [s for s in simulation.sends if s.anomaly in {Anomaly.NONE, Anomaly.OUT_OF_ORDER}]


@pytest.fixture(scope="module")
def summary(busy_run: Simulation) -> dict:
    return summarize(busy_run)


def test_event_counts(busy_run: Simulation, summary: dict) -> None:
    ids = {s.event_id for s in busy_run.sends if s.anomaly is not Anomaly.MALFORMED}
    assert summary["ledger"]["events"] == len(ids)
    malformed = sum(1 for s in busy_run.sends if s.anomaly is Anomaly.MALFORMED)
    assert summary["gateway"] == {
        "accepted": len(busy_run.sends) - malformed,
        "rejected": malformed,
    }


def test_parcel_indicators(busy_run: Simulation, summary: dict) -> None:
    scans: dict[str, list[tuple[Step, Scan]]] = defaultdict(list)
    for step in _clean(busy_run):
        if isinstance(step.body, Scan):
            scans[step.object_key].append((step, step.body))
    parcels = {key: items[0][1].parcel for key, items in scans.items()}

    def status(scan: Scan) -> str:
        system = scan.parcel.carrier.code_system
        return parcel_reading(system, parcel_row(system, scan.milestone).code).status  # type: ignore[union-attr]

    bagged = [k for k, items in scans.items() if any(s.milestone in _BAGGED for _, s in items)]
    delivered = [k for k, items in scans.items() if any(status(s) == "DELIVERED" for _, s in items)]
    troubled = [
        k
        for k, items in scans.items()
        if any(status(s) in {"EXCEPTION", "ATTEMPT_FAILED"} for _, s in items)
    ]
    kpis = summary["kpis"]
    e_waybill = kpis["e_waybill_share"]
    assert (e_waybill["numerator"], e_waybill["denominator"]) == (
        sum(p.e_waybill for p in parcels.values()),
        len(parcels),
    )
    recyclable = kpis["recyclable_bag_share"]
    assert (recyclable["numerator"], recyclable["denominator"]) == (
        sum(parcels[k].transit_bag == "RECYCLABLE" for k in bagged),
        len(bagged),
    )
    locker = kpis["smart_locker_share"]
    assert (locker["numerator"], locker["denominator"]) == (
        sum(parcels[k].delivery_point == "SMART_LOCKER" for k in delivered),
        len(delivered),
    )
    assert kpis["exception_rate"]["numerator"] == len(troubled)
    volumes = Counter(p.carrier.carrier_id for p in parcels.values())
    assert {c["carrier_id"]: c["parcels"] for c in kpis["carrier_volumes"]["carriers"]} == volumes
    timed = kpis["pickup_to_delivery"]["overall"]
    assert timed["count"] == len(delivered)
    hours = []
    for key in delivered:
        picked = min(st.at for st, s in scans[key] if status(s) == "PICKED_UP")
        done = min(st.at for st, s in scans[key] if status(s) == "DELIVERED")
        hours.append((done - picked) // timedelta(seconds=1) / 3600)
    assert timed["mean_hours"] == pytest.approx(sum(hours) / len(hours), abs=1e-9)


def test_customs_indicators(busy_run: Simulation, summary: dict) -> None:
    receipts: dict[tuple[str, str], list[tuple[Step, CustomsMessage]]] = defaultdict(list)
    submitted: dict[tuple[str, str], Step] = {}
    for step in _clean(busy_run):
        if isinstance(step.body, CustomsMessage):
            key = (step.body.message_type[:5], step.body.cop_no)  # CEB31x, CEB62x share a key
            if step.body.is_receipt:
                receipts[key].append((step, step.body))
            elif key not in submitted or step.at < submitted[key].at:
                submitted[key] = step
    answered = list(receipts)
    rejected = [k for k in answered if any(m.return_status == "100" for _, m in receipts[k])]
    rejection = summary["kpis"]["customs_rejection"]["rate"]
    assert (rejection["numerator"], rejection["denominator"]) == (len(rejected), len(answered))
    released: dict[str, list[float]] = defaultdict(list)
    for key, items in receipts.items():
        releases = [st.at for st, m in items if m.return_status == "800"]
        if key[0] == "CEB62" and releases:
            # returnTime has milliseconds: the release instant as the hub reads it.
            at = min(releases)
            at = at.replace(microsecond=at.microsecond // 1000 * 1000)
            first = submitted[key].at
            released[items[0][1].order.trade_mode].append((at - first) // timedelta(seconds=1))
    by_mode = {
        g["trade_mode"]: g["distribution"]
        for g in summary["kpis"]["customs_clearance"]["by_trade_mode"]
    }
    assert set(by_mode) == set(released) == {"9610", "1210"}
    for mode, seconds in released.items():
        assert by_mode[mode]["count"] == len(seconds)
        assert by_mode[mode]["mean_hours"] == pytest.approx(sum(seconds) / len(seconds) / 3600)
    assert by_mode["1210"]["mean_hours"] < by_mode["9610"]["mean_hours"]  # bonded is faster


def test_per_district_reports_add_up(summary: dict) -> None:
    by_district = summary["kpis_by_district"]
    assert len(by_district) == 12
    locker = sum(r["smart_locker_share"]["denominator"] for r in by_district.values())
    assert locker == summary["kpis"]["smart_locker_share"]["denominator"]


def test_final_statuses_cover_every_object(summary: dict) -> None:
    finals = summary["final_statuses"]
    ledger = summary["ledger"]
    assert sum(finals["order"].values()) == ledger["orders"]
    assert sum(finals["parcel"].values()) == ledger["parcels"]
    assert sum(finals["customs"].values()) == ledger["declarations"]
    assert {"COMPLETED", "REFUNDED"} <= set(finals["order"])
    assert {"DELIVERED", "RETURNED"} <= set(finals["parcel"])
    assert {"CLOSED", "DETAINED", "ERROR"} <= set(finals["customs"])

"""The decision truth: injected incidents shape the scans, the stalled list and the
per-parcel rows match what was sent, and the Post Bureau measures follow from the rows."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.conditions import DRAIN_HOURS, Incident, IncidentMode, Load
from quanhub.simulator.config import AnomalyRates, Mix, SimulationConfig
from quanhub.simulator.generator import Simulation, generate
from quanhub.simulator.model import Anomaly, Scan, Step
from quanhub.simulator.summary import GroundTruth, ground_truth
from quanhub.simulator.truth import percentile

_START = datetime(2026, 11, 1, tzinfo=UTC)
#: Jinan's sorting centre, where most parcels pass, on the third day, for six hours.
_STOP = Incident(
    "ZTO", "370112", _START + timedelta(days=2, hours=2), _START + timedelta(days=2, hours=8)
)
_SLOW = Incident(
    "YTO",
    "370112",
    _START + timedelta(days=3),
    _START + timedelta(days=3, hours=8),
    IncidentMode.SLOW,
    4.0,
)
#: Troubles far more often than by default, so every reason shows up in a small run.
_TROUBLED = Mix(lost=0.02, stalled=0.04, uncollected=0.2, customs_stuck=0.15)


@pytest.fixture(scope="module")
def clean_run() -> Simulation:
    return generate(SimulationConfig(orders=1500, seed=21, anomalies=AnomalyRates.parse("none")))


@pytest.fixture(scope="module")
def incident_run() -> Simulation:
    config = SimulationConfig(
        orders=1500, seed=21, anomalies=AnomalyRates.parse("none"), incidents=(_STOP, _SLOW)
    )
    return generate(config)


@pytest.fixture(scope="module")
def troubled_run() -> Simulation:
    config = SimulationConfig(
        orders=800,
        seed=23,
        cross_border_share=0.3,
        mix=_TROUBLED,
        anomalies=AnomalyRates(duplicate=0.02, out_of_order=0.03, unknown_code=0.01, malformed=0),
    )
    return generate(config)


@pytest.fixture(scope="module")
def troubled_truth(troubled_run: Simulation) -> GroundTruth:
    return ground_truth(troubled_run)


def _scans(simulation: Simulation, carrier: str, district: str) -> list[tuple[datetime, str]]:
    """(time, parcel key) of the carrier's clean scans in the district, by time."""
    return sorted(
        (s.at, s.object_key)
        for s in simulation.sends
        if isinstance(s.body, Scan)
        and s.body.parcel.carrier.partner == carrier
        and s.body.district_code == district
        and s.anomaly is Anomaly.NONE
    )


def _within(scans: list[tuple[datetime, str]], start: datetime, end: datetime) -> set[str]:
    return {key for at, key in scans if start <= at < end}


def test_a_stop_holds_the_carriers_scans_there_until_its_end(
    clean_run: Simulation, incident_run: Simulation
) -> None:
    before = _scans(clean_run, "ZTO", "370112")
    after = _scans(incident_run, "ZTO", "370112")
    waiting = _within(before, _STOP.start, _STOP.end)
    assert len(waiting) > 5
    assert not _within(after, _STOP.start, _STOP.end)
    # The parcels that would have been scanned in the window are scanned right after it.
    assert waiting <= _within(after, _STOP.end, _STOP.end + timedelta(hours=DRAIN_HOURS))
    # Other carriers at the same place, and the same carrier elsewhere, keep moving.
    assert _within(_scans(incident_run, "YUNDA", "370112"), _STOP.start, _STOP.end)
    assert _within(_scans(incident_run, "ZTO", "370102"), _STOP.start, _STOP.end)


def test_a_slowdown_thins_the_flow_and_lengthens_the_waits(
    clean_run: Simulation, incident_run: Simulation
) -> None:
    def count(simulation: Simulation) -> int:
        scans = _scans(simulation, "YTO", "370112")
        return sum(1 for at, _ in scans if _SLOW.start <= at < _SLOW.end)

    assert 0 < count(incident_run) < 0.7 * count(clean_run)


def test_held_parcels_move_on_and_the_summary_counts_them(incident_run: Simulation) -> None:
    truth = ground_truth(incident_run)
    rows = {r["key"]: r for r in truth.parcels}
    held = {i: [r for r in rows.values() if i in r["incidents"]] for i in (0, 1)}
    assert [i["parcels_held"] for i in truth.summary["incidents"]] == [len(held[0]), len(held[1])]
    assert all(held.values())
    assert all(r["carrier"] == "ZTO" for r in held[0])
    delivered = [r for r in held[0] if r["delivered_at"] is not None]
    assert len(delivered) > 0.8 * len(held[0])
    first = truth.summary["incidents"][0]
    assert (first["carrier"], first["district"], first["mode"]) == ("ZTO", "370112", "stop")
    assert datetime.fromisoformat(first["start"]) == _STOP.start
    assert datetime.fromisoformat(first["end"]) == _STOP.end


def test_incidents_change_nothing_else(clean_run: Simulation, incident_run: Simulation) -> None:
    untouched = [
        (a, b) for a, b in zip(clean_run.stories, incident_run.stories, strict=True) if not b.held
    ]
    assert len(untouched) > 1000
    assert all(a == b for a, b in untouched)


def _kept(simulation: Simulation) -> dict[str, list[tuple[datetime, Step, ipb.Event]]]:
    """Each object's kept events (not the unknown-code extras), with hub times."""
    out: dict[str, list[tuple[datetime, Step, ipb.Event]]] = defaultdict(list)
    for step, event in simulation.valid_distinct():
        if step.anomaly is Anomaly.UNKNOWN_CODE:
            continue
        at = step.at
        if event.HasField("customs") and event.customs.return_time:
            at = at.replace(microsecond=at.microsecond // 1000 * 1000)
        out[step.object_key].append((at, step, event))
    for items in out.values():
        items.sort(key=lambda item: item[0])
    return out


def test_the_stalled_list_matches_the_events_sent(
    troubled_run: Simulation, troubled_truth: GroundTruth
) -> None:
    stalled = troubled_truth.summary["stalled"]
    reasons = {(row["kind"], row["reason"]) for row in stalled}
    assert reasons == {
        ("parcel", "lost"),
        ("parcel", "stalled"),
        ("parcel", "uncollected"),
        ("parcel", "customs_stuck"),  # a 9610 parcel waiting for its stuck declaration
        ("customs", "customs_stuck"),
    }
    kept = _kept(troubled_run)
    minimum_gap = {"stalled": 96, "uncollected": 48, "customs_stuck": 72}
    for row in stalled:
        times = [at for at, _, _ in kept[row["key"]]]
        since = datetime.fromisoformat(row["since"])
        until = datetime.fromisoformat(row["until"]) if row["until"] else None
        assert since in times, row
        if until is None:
            assert row["reason"] == "lost"
            assert max(times) == since, row
            continue
        assert until in times, row
        assert not [t for t in times if since < t < until], row
        assert until - since > timedelta(hours=minimum_gap[row["reason"]]), row
    for row in (r for r in stalled if r["reason"] == "uncollected"):
        assert row["status"] == "AVAILABLE_FOR_PICKUP"
    for row in (r for r in stalled if r["reason"] == "customs_stuck"):
        assert row["status"] == ("ACCEPTED" if row["kind"] == "customs" else "IN_TRANSIT")


def test_normal_parcels_never_go_quiet_that_long(
    troubled_run: Simulation, troubled_truth: GroundTruth
) -> None:
    marked = {row["key"] for row in troubled_truth.summary["stalled"]}
    kept = _kept(troubled_run)
    longest = max(
        b[0] - a[0]
        for key, items in kept.items()
        if key.startswith("P|") and key not in marked
        for a, b in itertools.pairwise(items)
        if a[1].body.milestone.status == "IN_TRANSIT"  # type: ignore[union-attr]
        and a[1].body.district_code.startswith("37")  # type: ignore[union-attr]
    )
    assert longest < timedelta(hours=96)


def test_parcel_rows_match_the_events_sent(
    troubled_run: Simulation, troubled_truth: GroundTruth
) -> None:
    kept = _kept(troubled_run)
    rows = troubled_truth.parcels
    assert len(rows) == troubled_truth.summary["ledger"]["parcels"]
    listed = defaultdict(set)
    for stall in troubled_truth.summary["stalled"]:
        listed[stall["key"]].add(stall["reason"])
    assert {r["key"]: set(r["troubles"]) for r in rows if r["troubles"]} == {
        key: reasons for key, reasons in listed.items() if key.startswith("P|")
    }
    for row in rows:
        events = kept[row["key"]]
        pickups = [(at, e) for at, _, e in events if _status(e) == "PICKED_UP"]
        delivered = [at for at, _, e in events if _status(e) == "DELIVERED"]
        if pickups:
            assert datetime.fromisoformat(row["pickup_at"]) == pickups[0][0]
            assert row["origin_district"] == pickups[0][1].parcel.district_code
        if delivered:
            assert datetime.fromisoformat(row["delivered_at"]) == delivered[0]
            last = next(e for at, _, e in events if at == delivered[0])
            assert last.parcel.district_code == row["destination_district"]
            assert _point(last) == row["delivery_point"]
        if pickups and delivered:
            hours = (delivered[0] - pickups[0][0]) // timedelta(seconds=1) / 3600
            assert row["delivery_hours"] == pytest.approx(hours)
        else:
            assert row["delivery_hours"] is None


def _status(event: ipb.Event) -> str:
    from quanhub.simulator.hub import parcel_reading

    return parcel_reading(event.parcel.code_system, event.parcel.code).status


def _point(event: ipb.Event) -> str:
    return ipb.DeliveryPoint.Name(event.parcel.delivery_point).removeprefix("DELIVERY_POINT_")


def test_post_bureau_measures_follow_from_the_rows(troubled_truth: GroundTruth) -> None:
    rows = [r for r in troubled_truth.parcels if r["delivery_hours"] is not None]
    measures = troubled_truth.summary["post_bureau"]
    overall = measures["overall"]
    hours = sorted(r["delivery_hours"] for r in rows)
    assert overall["parcels"] == len(rows)
    assert overall["on_time_48h"]["numerator"] == sum(1 for h in hours if h <= 48)
    assert overall["on_time_72h"]["numerator"] == sum(1 for h in hours if h <= 72)
    assert overall["mean_hours"] == pytest.approx(sum(hours) / len(hours))
    assert overall["p50_hours"] == pytest.approx(percentile(hours, 0.5))
    for name in ("by_carrier", "by_district", "by_lane"):
        assert sum(g["parcels"] for g in measures[name]) == len(rows)
    sf = next(g for g in measures["by_carrier"] if g["carrier"] == "SF")
    sf_hours = sorted(r["delivery_hours"] for r in rows if r["carrier"] == "SF")
    assert sf["p90_hours"] == pytest.approx(percentile(sf_hours, 0.9))


def test_percentile_is_continuous() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)
    assert percentile([5.0], 0.9) == 5.0


def test_truth_respects_the_cut(troubled_run: Simulation) -> None:
    config = troubled_run.config
    cut = config.start + timedelta(days=5)
    from dataclasses import replace

    truth = ground_truth(generate(replace(config, until=cut)))
    for row in truth.summary["stalled"]:
        assert datetime.fromisoformat(row["since"]) <= cut
        assert row["until"] is None or datetime.fromisoformat(row["until"]) <= cut
    assert all(
        r["delivered_at"] is None or datetime.fromisoformat(r["delivered_at"]) <= cut
        for r in truth.parcels
    )


def test_incident_and_load_parsing() -> None:
    parsed = Incident.parse("carrier=yto,district=370112,start=2026-11-11T08:00+08:00,hours=6")
    assert parsed.carrier == "YTO"
    assert parsed.end - parsed.start == timedelta(hours=6)
    assert parsed.start == datetime(2026, 11, 11, tzinfo=UTC)
    slow = Incident.parse(
        "carrier=SF,district=370102,start=2026-11-11T08:00Z,end=2026-11-11T09:00Z,mode=slow,factor=2"
    )
    assert (slow.mode, slow.factor) == (IncidentMode.SLOW, 2.0)
    with pytest.raises(ValueError, match="needs carrier="):
        Incident.parse("carrier=SF,start=2026-11-11T08:00Z,hours=1")
    with pytest.raises(ValueError, match="unknown field"):
        Incident.parse("carrier=SF,district=370102,start=2026-11-11T08:00Z,hours=1,size=3")
    with pytest.raises(ValueError, match="end after it"):
        Incident.parse("carrier=SF,district=370102,start=2026-11-11T08:00Z,hours=0")
    assert Load.parse("double11").volume == pytest.approx(1.7)
    assert Load.parse("Double-11").stretch == pytest.approx(1.35)
    assert Load.parse("volume=1.5,stretch=1.2") == Load("custom", 1.5, 1.2)
    with pytest.raises(ValueError, match="double11"):
        Load.parse("busy")

"""What the watcher announces: alerts raised and cleared once, predictions that moved, and
ids that are the same whenever the same thing is decided again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.alerts.model import Alert, AlertKind
from quanhub.ledger.decode import decode
from quanhub.ledger.incidents.detect import Incident
from quanhub.ledger.precedence import precedence
from quanhub.ledger.watcher.decide import (
    MOVE_THRESHOLD,
    OpenAlerts,
    alert_changes,
    canonical_event,
    incident_changes,
    moved,
    prediction_draft,
    recovered,
)
from quanhub.ledger.watcher.types import InsightType

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _stalled(waybill: str = "SF1", since: datetime = T0, carrier: str = "SF") -> Alert:
    return Alert(
        key=f"P|{carrier}|{waybill}",
        kind=AlertKind.STALLED,
        object="parcel",
        carrier=carrier,
        waybill_no=waybill,
        status="IN_TRANSIT",
        district="370112",
        since=since,
        silent_hours=200.0,
        threshold_hours=168.0,
        norm="",
    )


def _stuck() -> Alert:
    return Alert(
        key="C|AGENT|COP1",
        kind=AlertKind.CUSTOMS_STUCK,
        object="declaration",
        carrier="",
        declarant="AGENT",
        cop_no="COP1",
        status="SENT_TO_CUSTOMS",
        district="370112",
        since=T0,
        silent_hours=50.0,
        threshold_hours=48.0,
        norm="",
    )


def test_a_new_alert_is_raised_once_and_not_again_while_it_holds() -> None:
    state: OpenAlerts = {}
    first = alert_changes(state, [_stalled()], T0 + timedelta(days=8))
    assert [d.insight.type for d in first] == [InsightType.STALLED]
    again = alert_changes(state, [_stalled()], T0 + timedelta(days=9))
    assert again == []


def test_an_alert_that_ends_is_cleared_with_its_raise_details() -> None:
    state: OpenAlerts = {}
    (raised,) = alert_changes(state, [_stalled()], T0 + timedelta(days=8))
    (cleared,) = alert_changes(state, [], T0 + timedelta(days=9))
    assert cleared.insight.type == InsightType.STALLED_CLEARED
    assert cleared.insight.alert.since == raised.insight.alert.since
    assert cleared.key == raised.key == "P|SF|SF1"
    assert cleared.event_id != raised.event_id
    assert state == {}


def test_a_new_silence_clears_the_old_and_raises_anew() -> None:
    state: OpenAlerts = {}
    alert_changes(state, [_stalled()], T0 + timedelta(days=8))
    later = _stalled(since=T0 + timedelta(days=9))
    drafts = alert_changes(state, [later], T0 + timedelta(days=17))
    assert [d.insight.type for d in drafts] == [InsightType.STALLED_CLEARED, InsightType.STALLED]


def test_the_same_decision_gets_the_same_id_whenever_it_is_made() -> None:
    a = alert_changes({}, [_stalled()], T0 + timedelta(days=8))
    b = alert_changes({}, [_stalled()], T0 + timedelta(days=8, hours=3))  # a later pass
    assert [d.event_id for d in a] == [d.event_id for d in b]
    other = alert_changes({}, [_stalled(waybill="SF2")], T0 + timedelta(days=8))
    assert other[0].event_id != a[0].event_id


def test_open_alerts_are_recovered_from_the_latest_insight_of_each_object() -> None:
    state: OpenAlerts = {}
    raised = alert_changes(state, [_stalled(), _stalled("SF2")], T0 + timedelta(days=8))
    cleared = alert_changes(state, [_stalled()], T0 + timedelta(days=9))  # SF2 cleared
    latest = [raised[0].insight, cleared[0].insight]
    back = recovered(latest)
    assert set(back) == {("P|SF|SF1", AlertKind.STALLED)}
    assert alert_changes(back, [_stalled()], T0 + timedelta(days=10)) == []


def test_a_stuck_declaration_names_its_inventory() -> None:
    (draft,) = alert_changes({}, [_stuck()], T0 + timedelta(days=3))
    assert draft.key == "C|AGENT|COP1"
    assert draft.insight.type == InsightType.CUSTOMS_STUCK
    assert draft.insight.document == cpb.CUSTOMS_DOCUMENT_INVENTORY


def test_a_prediction_is_announced_first_and_when_it_moves_beyond_the_threshold() -> None:
    assert moved(None, T0, MOVE_THRESHOLD)
    assert not moved(T0, T0 + timedelta(hours=1), MOVE_THRESHOLD)
    assert not moved(T0, T0 - MOVE_THRESHOLD, MOVE_THRESHOLD)
    assert moved(T0, T0 + MOVE_THRESHOLD + timedelta(minutes=1), MOVE_THRESHOLD)


def _prediction(seq: int, most_likely: datetime, previous: datetime | None = None) -> cpb.Insight:
    parcel = {"carrier_id": "SF", "waybill_no": "SF1", "district_code": "370112", "last_seq": seq}
    predicted = {
        "most_likely": most_likely,
        "earliest": most_likely - timedelta(hours=10),
        "latest": most_likely + timedelta(hours=20),
        "confidence": 0.95,
        "segment_level": "lane",
    }
    return prediction_draft(parcel, predicted, previous, T0).insight


def test_prediction_ids_follow_the_basis_and_the_minute() -> None:
    parcel = {"carrier_id": "SF", "waybill_no": "SF1", "district_code": "", "last_seq": 7}
    base = {"earliest": T0, "latest": T0, "confidence": 0.95, "segment_level": "lane"}
    at = T0 + timedelta(days=2)
    one = prediction_draft(parcel, {**base, "most_likely": at}, None, T0)
    same = prediction_draft(parcel, {**base, "most_likely": at + timedelta(seconds=20)}, None, T0)
    later = prediction_draft({**parcel, "last_seq": 8}, {**base, "most_likely": at}, None, T0)
    assert one.event_id == same.event_id
    assert one.event_id != later.event_id
    assert _prediction(7, at, T0).prediction.HasField("previous_most_likely")
    assert not _prediction(7, at).prediction.HasField("previous_most_likely")


def test_the_ledger_appends_an_insight_as_its_objects_own_kind_of_row_that_moves_nothing() -> None:
    (draft,) = alert_changes({}, [_stalled()], T0 + timedelta(days=8))
    event = canonical_event(draft, T0 + timedelta(days=8))
    row = decode(
        event.SerializeToString(),
        topic="t",
        partition=0,
        offset=1,
        recorded_at=T0 + timedelta(days=8),
    )
    assert row.kind == "insight"
    assert (row.carrier_id, row.waybill_no, row.status) == ("SF", "SF1", "parcel.stalled")
    assert row.declaration_id is None
    assert (row.phase, row.rank) == (0, 0)
    assert precedence("insight", row.status) == precedence("insight", "anything")
    assert str(row.event_id) == draft.event_id
    assert row.source_partner == "quanhub"
    assert row.status_time == T0 + timedelta(days=8)


def test_a_declaration_insight_row_carries_the_declarations_id() -> None:
    (draft,) = alert_changes({}, [_stuck()], T0 + timedelta(days=3))
    row = decode(
        canonical_event(draft, T0).SerializeToString(),
        topic="t",
        partition=0,
        offset=1,
        recorded_at=T0,
    )
    assert row.declaration_id is not None
    assert (row.declarant, row.document, row.cop_no) == ("AGENT", "INVENTORY", "COP1")
    assert row.carrier_id == row.waybill_no == ""


def _incident(end: datetime | None = None) -> Incident:
    return Incident(
        carrier="YTO",
        district="370112",
        start=T0,
        detected_at=T0 + timedelta(minutes=20),
        end=end,
        expected_scans=120.0,
        observed_scans=30,
        delay_hours=15.0,
    )


def test_an_incident_is_announced_open_once_and_closed_once() -> None:
    announced: set[str] = set()
    opened = incident_changes(announced, [_incident()], T0 + timedelta(hours=1))
    assert [d.insight.type for d in opened] == [InsightType.INCIDENT_OPENED]
    assert opened[0].key == "I|YTO|370112"
    assert incident_changes(announced, [_incident()], T0 + timedelta(hours=2)) == []
    ended = _incident(end=T0 + timedelta(hours=6))
    closed = incident_changes(announced, [ended], T0 + timedelta(hours=7))
    assert [d.insight.type for d in closed] == [InsightType.INCIDENT_CLOSED]
    assert closed[0].insight.incident.HasField("end")
    # Decided afresh (a restarted watcher that recovered nothing): the same ids.
    again = incident_changes(set(), [ended], T0 + timedelta(hours=8))
    assert [d.event_id for d in again] == [opened[0].event_id, closed[0].event_id]


def test_an_incident_row_is_its_carriers_with_no_waybill() -> None:
    (draft,) = incident_changes(set(), [_incident()], T0 + timedelta(hours=1))
    row = decode(
        canonical_event(draft, T0).SerializeToString(),
        topic="t",
        partition=0,
        offset=1,
        recorded_at=T0,
    )
    assert (row.kind, row.status) == ("insight", "incident.opened")
    assert (row.carrier_id, row.waybill_no, row.district_code) == ("YTO", "", "370112")
    assert row.declaration_id is None

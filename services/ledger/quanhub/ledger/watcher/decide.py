"""What the watcher emits, decided from what it has announced and what holds now (pure).

An insight's event id is UUIDv5 of (the hub, type | object key | discriminator), the
canonical identity rule with the hub as the partner: a watcher that crashes after
publishing and decides again publishes the same id, and the ledger keeps one. The
discriminator is what makes two announcements different: an alert's `since` (the last
scan the silence started at; its clearing shares it), a prediction's basis (the parcel
projection's sequence) and its most likely minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import CUSTOMS_DOCUMENT
from quanhub.common.ids import canonical_event_id
from quanhub.ledger.alerts.model import Alert, AlertKind
from quanhub.ledger.alerts.norms import INVENTORY
from quanhub.ledger.incidents.detect import Incident
from quanhub.ledger.watcher.types import ALERT_OF, CLEARED, RAISED, InsightType

#: The partner code insights are authored under (not a registrable code: lower case).
HUB = "quanhub"
#: A predicted delivery is announced again when its most likely time moves by more.
MOVE_THRESHOLD = timedelta(hours=2)

#: (object key, alert kind) -> the raise announced and not cleared.
OpenAlerts = dict[tuple[str, AlertKind], cpb.Insight]


@dataclass(frozen=True, slots=True)
class Draft:
    """One insight to publish: its Kafka key (the object's business key), the identity
    parts and the message."""

    key: str
    source_event_id: str
    insight: cpb.Insight

    @property
    def event_id(self) -> str:
        return str(canonical_event_id(HUB, self.source_event_id))


def _ts(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def instant(ts: Timestamp) -> datetime:
    """A proto timestamp as an aware UTC datetime."""
    return ts.ToDatetime(tzinfo=UTC)


def _draft(kind: InsightType, key: str, discriminator: str, insight: cpb.Insight) -> Draft:
    insight.type = kind.value
    return Draft(key, f"{kind.value}|{key}|{discriminator}", insight)


def object_key(insight: cpb.Insight) -> str:
    """The business key of the insight's object (the Kafka key of its own events; an
    incident's flow: `I|<carrier>|<district>`)."""
    if insight.carrier_id and not insight.waybill_no:
        return f"I|{insight.carrier_id}|{insight.district_code}"
    if insight.carrier_id:
        return f"P|{insight.carrier_id}|{insight.waybill_no}"
    return f"C|{insight.declarant}|{insight.cop_no}"


def _alert_insight(alert: Alert, as_of: datetime) -> cpb.Insight:
    insight = cpb.Insight(
        district_code=alert.district,
        as_of=_ts(as_of),
        alert=cpb.AlertInsight(
            status=alert.status,
            sub_status=alert.sub_status,
            since=_ts(alert.since),
            threshold_hours=alert.threshold_hours,
            norm=alert.norm,
        ),
    )
    if alert.object == "parcel":
        insight.carrier_id, insight.waybill_no = alert.carrier, alert.waybill_no
    else:
        insight.declarant, insight.cop_no = alert.declarant, alert.cop_no
        # Alerts judge inventories only: the declaration the alert is about.
        insight.document = CUSTOMS_DOCUMENT.value(INVENTORY) or cpb.CUSTOMS_DOCUMENT_UNSPECIFIED
    return insight


def _since_key(ts: Timestamp) -> str:
    return instant(ts).isoformat()


def _clear(raised: cpb.Insight, kind: AlertKind, as_of: datetime) -> Draft:
    cleared = cpb.Insight()
    cleared.CopyFrom(raised)
    cleared.as_of.CopyFrom(_ts(as_of))
    key = object_key(raised)
    return _draft(CLEARED[kind], key, _since_key(raised.alert.since), cleared)


def alert_changes(
    open_alerts: OpenAlerts, current: Iterable[Alert], as_of: datetime
) -> list[Draft]:
    """The raises and clearings that take `open_alerts` to `current`, and `open_alerts`
    updated in place: a new alert is raised; one whose silence started at another time
    (the object moved and went quiet again) is cleared and raised anew; an announced alert
    no longer current is cleared."""
    drafts: list[Draft] = []
    now: dict[tuple[str, AlertKind], Alert] = {(a.key, a.kind): a for a in current}
    for slot, alert in sorted(now.items(), key=lambda kv: (kv[1].since, kv[0][0])):
        raised = open_alerts.get(slot)
        since = alert.since.astimezone(UTC).isoformat()
        if raised is not None and _since_key(raised.alert.since) == since:
            continue
        if raised is not None:
            drafts.append(_clear(raised, alert.kind, as_of))
        insight = _alert_insight(alert, as_of)
        drafts.append(_draft(RAISED[alert.kind], alert.key, since, insight))
        open_alerts[slot] = insight
    for slot in sorted(set(open_alerts) - set(now)):
        drafts.append(_clear(open_alerts.pop(slot), slot[1], as_of))
    return drafts


def recovered(latest: Iterable[cpb.Insight]) -> OpenAlerts:
    """The open alerts from the latest insight of each object and alert kind in the ledger:
    those whose latest is a raise."""
    out: OpenAlerts = {}
    for insight in latest:
        kind = InsightType(insight.type)
        if kind in ALERT_OF and RAISED[ALERT_OF[kind]] is kind:
            out[(object_key(insight), ALERT_OF[kind])] = insight
    return out


def moved(previous: datetime | None, most_likely: datetime, threshold: timedelta) -> bool:
    """Whether a prediction is announced: the first one, or one that moved by more than
    `threshold` from the last announced."""
    return previous is None or abs(most_likely - previous) > threshold


def prediction_draft(
    parcel: Mapping[str, Any],
    predicted: Mapping[str, Any],
    previous: datetime | None,
    as_of: datetime,
) -> Draft:
    """The delivery_predicted insight of a parcel row (carrier_id, waybill_no,
    district_code, last_seq) and its predicted_delivery fields."""
    most_likely: datetime = predicted["most_likely"]
    prediction = cpb.DeliveryPrediction(
        most_likely=_ts(most_likely),
        earliest=_ts(predicted["earliest"]),
        latest=_ts(predicted["latest"]),
        confidence=predicted["confidence"],
        segment_level=predicted["segment_level"],
        basis_seq=parcel["last_seq"],
    )
    if previous is not None:
        prediction.previous_most_likely.CopyFrom(_ts(previous))
    insight = cpb.Insight(
        carrier_id=parcel["carrier_id"],
        waybill_no=parcel["waybill_no"],
        district_code=parcel["district_code"],
        as_of=_ts(as_of),
        prediction=prediction,
    )
    key = f"P|{parcel['carrier_id']}|{parcel['waybill_no']}"
    minute = most_likely.astimezone(UTC).replace(second=0, microsecond=0).isoformat()
    return _draft(InsightType.DELIVERY_PREDICTED, key, f"{parcel['last_seq']}|{minute}", insight)


def incident_changes(
    announced: set[str], found: Iterable[Incident], as_of: datetime
) -> list[Draft]:
    """The openings and closings among `found` not yet in `announced` (source event ids,
    updated in place). An incident is named by its flow and start, so an opening seen at
    every pass is one announcement, and its closing another."""
    drafts: list[Draft] = []
    for incident in sorted(found, key=lambda i: (i.start, i.carrier, i.district)):
        detail = cpb.IncidentInsight(
            start=_ts(incident.start),
            detected_at=_ts(incident.detected_at),
            expected_scans=incident.expected_scans,
            observed_scans=incident.observed_scans,
            delay_hours=incident.delay_hours,
        )
        if incident.end is not None:
            detail.end.CopyFrom(_ts(incident.end))
        kinds = [InsightType.INCIDENT_OPENED]
        if incident.end is not None:
            kinds.append(InsightType.INCIDENT_CLOSED)
        key = f"I|{incident.carrier}|{incident.district}"
        for kind in kinds:
            insight = cpb.Insight(
                carrier_id=incident.carrier,
                district_code=incident.district,
                as_of=_ts(as_of),
                incident=detail,
            )
            draft = _draft(kind, key, incident.start.astimezone(UTC).isoformat(), insight)
            if draft.source_event_id not in announced:
                announced.add(draft.source_event_id)
                drafts.append(draft)
    return drafts


def canonical_event(draft: Draft, received_at: datetime) -> cpb.CanonicalEvent:
    """The canonical event the watcher publishes for a draft (occurred at its as_of)."""
    return cpb.CanonicalEvent(
        event_id=draft.event_id,
        source_partner=HUB,
        source_event_id=draft.source_event_id,
        code_system="quanhub.insight",
        raw_code=draft.insight.type,
        occurred_at=draft.insight.as_of,
        received_at=_ts(received_at),
        schema_version=1,
        partner_role="hub",
        ingress="watcher",
        insight=draft.insight,
    )

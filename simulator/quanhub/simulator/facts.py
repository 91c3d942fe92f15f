"""What the hub should know about each object once every valid event is in: the ground truth.

Read from the encoded events exactly as sent (flags, points, districts, receipt times, codes),
each event's canonical status being what the normalizer's tables make of its code
(quanhub.simulator.hub). Per object it follows the ledger's projection rules
(docs and quanhub.ledger.kpis.models): first event, latest non-empty district and delivery
point, e-waybill true if any event says so, a recyclable bag if any event reports one, the
earliest pickup, delivery and release, whether an exception or a return was ever seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quanhub.common.canonical import customs_document_name, customs_message
from quanhub.common.validation import parse_return_time
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.hub import customs_reading, final_status, order_status, parcel_reading
from quanhub.simulator.model import CustomsMessage, OrderChange, Scan, Step

_BAGS = {
    ipb.TRANSIT_BAG_RECYCLABLE: "RECYCLABLE",
    ipb.TRANSIT_BAG_SINGLE_USE: "SINGLE_USE",
    ipb.TRANSIT_BAG_NONE: "NONE",
}
_POINTS = {
    ipb.DELIVERY_POINT_DOOR: "DOOR",
    ipb.DELIVERY_POINT_SMART_LOCKER: "SMART_LOCKER",
    ipb.DELIVERY_POINT_STATION: "STATION",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Latest:
    """The latest non-empty value by time."""

    at: datetime = _EPOCH
    value: str = ""

    def offer(self, at: datetime, value: str) -> None:
        """Keep `value` if it is non-empty and not older than the current one."""
        if value and (not self.value or at >= self.at):
            self.at, self.value = at, value


@dataclass(slots=True)
class ParcelFacts:
    """One parcel as the ledger projects it (the fields the KPIs read)."""

    carrier_id: str
    events: int = 0
    first_at: datetime | None = None
    e_waybill: bool | None = None
    recyclable: bool = False
    bag: Latest = field(default_factory=Latest)
    point: Latest = field(default_factory=Latest)
    district: Latest = field(default_factory=Latest)
    picked_up_at: datetime | None = None
    #: The district of the first pickup scan: where the parcel's lane starts.
    origin_district: str = ""
    delivered_at: datetime | None = None
    had_exception: bool = False
    had_return: bool = False
    statuses: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def transit_bag(self) -> str:
        """RECYCLABLE if any event reported one, else the latest bag reported ("" if none)."""
        return "RECYCLABLE" if self.recyclable else self.bag.value


@dataclass(slots=True)
class DeclarationFacts:
    """One customs document (declarant, document, copNo) as the ledger projects it."""

    document: str
    events: int = 0
    receipts: int = 0
    declared_at: datetime | None = None
    released_at: datetime | None = None
    rejected: bool = False
    reasons: set[str] = field(default_factory=set)
    trade_mode: Latest = field(default_factory=Latest)
    district: Latest = field(default_factory=Latest)
    statuses: list[tuple[datetime, str]] = field(default_factory=list)


@dataclass(slots=True)
class Facts:
    """Every object the hub should hold after the run."""

    parcels: dict[str, ParcelFacts] = field(default_factory=dict)
    declarations: dict[str, DeclarationFacts] = field(default_factory=dict)
    orders: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)

    def final_statuses(self) -> dict[str, dict[str, int]]:
        """How many objects of each kind end in each canonical status."""
        out: dict[str, dict[str, int]] = {"order": {}, "parcel": {}, "customs": {}}
        groups = (
            ("order", self.orders.values()),
            ("parcel", (p.statuses for p in self.parcels.values())),
            ("customs", (d.statuses for d in self.declarations.values())),
        )
        for kind, histories in groups:
            for history in histories:
                status = final_status(kind, history)
                out[kind][status] = out[kind].get(status, 0) + 1
        return {kind: dict(sorted(counts.items())) for kind, counts in out.items()}


def _earliest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current


def _parcel(facts: Facts, step: Step, scan: Scan, event: ipb.Event) -> None:
    key = step.object_key
    parcel = facts.parcels.get(key) or facts.parcels.setdefault(
        key, ParcelFacts(scan.parcel.carrier.carrier_id)
    )
    at = event.occurred_at.ToDatetime(tzinfo=UTC)
    body = event.parcel
    status = parcel_reading(body.code_system, body.code).status
    parcel.events += 1
    parcel.statuses.append((at, status))
    parcel.first_at = _earliest(parcel.first_at, at)
    if body.HasField("e_waybill"):
        parcel.e_waybill = body.e_waybill or bool(parcel.e_waybill)
    bag = _BAGS.get(body.transit_bag, "")
    parcel.recyclable |= bag == "RECYCLABLE"
    parcel.bag.offer(at, bag)
    parcel.point.offer(at, _POINTS.get(body.delivery_point, ""))
    parcel.district.offer(at, body.district_code)
    if status == "PICKED_UP":
        if parcel.picked_up_at is None or at < parcel.picked_up_at:
            parcel.origin_district = body.district_code
        parcel.picked_up_at = _earliest(parcel.picked_up_at, at)
    elif status == "DELIVERED":
        parcel.delivered_at = _earliest(parcel.delivered_at, at)
    parcel.had_exception |= status in {"EXCEPTION", "ATTEMPT_FAILED"}
    parcel.had_return |= status in {"RETURNING", "RETURNED"}


def _customs(facts: Facts, step: Step, event: ipb.Event) -> None:
    body = event.customs
    kind = customs_message(body.message_type)
    document = customs_document_name(kind.document) if kind else "OTHER"
    key = f"{step.partner}|{document}|{body.cop_no or body.order_no}"
    declaration = facts.declarations.get(key) or facts.declarations.setdefault(
        key, DeclarationFacts(document)
    )
    reading = customs_reading(body.message_type, body.return_status)
    receipt, status = reading.is_receipt, reading.status
    at = (
        parse_return_time(body.return_time) or event.occurred_at.ToDatetime(tzinfo=UTC)
        if receipt
        else event.occurred_at.ToDatetime(tzinfo=UTC)
    )
    declaration.events += 1
    declaration.receipts += receipt
    declaration.statuses.append((at, status))
    declaration.declared_at = _earliest(declaration.declared_at, at)
    if status == "RELEASED":
        declaration.released_at = _earliest(declaration.released_at, at)
    if status == "REJECTED":
        declaration.rejected = True
        declaration.reasons.add(body.return_info or f"returnStatus {body.return_status}")
    declaration.trade_mode.offer(at, body.trade_mode)
    declaration.district.offer(at, body.consignee.district_code)


def collect(events: Iterable[tuple[Step, ipb.Event]]) -> Facts:
    """The facts of every object from the valid, distinct events of a run."""
    facts = Facts()
    for step, event in events:
        body = step.body
        if isinstance(body, Scan):
            _parcel(facts, step, body, event)
        elif isinstance(body, CustomsMessage):
            _customs(facts, step, event)
        elif isinstance(body, OrderChange):
            status = order_status(event.order.code_system, event.order.code)
            at = event.occurred_at.ToDatetime(tzinfo=UTC)
            facts.orders.setdefault(step.object_key, []).append((at, status))
    return facts

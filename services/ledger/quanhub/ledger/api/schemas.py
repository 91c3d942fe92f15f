"""Response models of the query API (objects, timelines, customs checks). KPIs: kpis.models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from quanhub.ledger.edd.view import PredictedDelivery
from quanhub.ledger.read.documents import DocumentName

#: What an event's `seq` is in a response: the number partners' cursors use.
GLOBAL_SEQ = (
    "The event's place in the ledger's one gap-free sequence: the same number as the "
    "event's `seq` in SSE (`id`, `Last-Event-ID`), webhook batches, replay `from_seq` and "
    "the Kafka feed's `seq` header."
)


class TimelineEntry(BaseModel):
    """One ledger event in an object's timeline, with the partner's raw code kept."""

    seq: int = Field(description=GLOBAL_SEQ)
    event_id: uuid.UUID
    #: "order", "parcel" or "customs", and which object it belongs to.
    kind: str
    object: str
    #: Event time (customs receipts: return_time), the order of the timeline.
    at: datetime
    occurred_at: datetime
    received_at: datetime
    status: str
    sub_status: str = ""
    code_system: str
    raw_code: str
    raw_text: str
    unmapped_code: bool = False
    source_partner: str
    location: str = ""
    district_code: str = ""
    delivery_point: str = ""
    message_type: str = ""
    return_status: str = ""
    return_info: str = ""


class ParcelSummary(BaseModel):
    """A parcel's current state."""

    carrier_id: str
    waybill_no: str
    status: str
    sub_status: str
    status_at: datetime
    delivery_point: str
    delivery_point_id: str
    district_code: str
    #: District of the pickup scan: the lane's origin ('' when none was named).
    origin_district: str
    location: str
    e_waybill: bool | None
    transit_bag: str
    picked_up_at: datetime | None
    delivered_at: datetime | None
    #: The first OUT_FOR_DELIVERY scan: the last mile's start (docs/edd.md).
    out_for_delivery_at: datetime | None
    event_count: int


class DeclarationSummary(BaseModel):
    """A customs document's current state."""

    id: uuid.UUID
    declarant: str
    document: str
    cop_no: str
    message_type: str
    trade_mode: str
    ie_flag: str
    invt_no: str
    order_no: str
    ebp_code: str
    logistics_code: str
    logistics_no: str
    customs_code: str
    status: str
    status_at: datetime
    return_status: str
    return_info: str
    declared_at: datetime
    released_at: datetime | None
    rejected: bool
    receipt_count: int


class PartyView(BaseModel):
    """A person, masked for display (the hub never holds clear personal data)."""

    id_masked: str = ""
    name_masked: str = ""
    telephone_masked: str = ""
    address_masked: str = ""
    district_code: str = ""


class OrderSummary(BaseModel):
    """An order's current state."""

    platform_code: str
    order_no: str
    status: str
    status_at: datetime
    trade_mode: str
    ie_flag: str
    district_code: str
    carrier_id: str = ""
    waybill_no: str = ""
    actual_paid: str = ""
    currency: str = ""
    event_count: int


#: Which side asserted an order <-> parcel link: the order's platform ("order": it named the
#: carrier and waybill) or the parcel's carrier ("parcel": it named the platform and order).
LinkSide = Literal["order", "parcel"]


class LinkStatus(BaseModel):
    """Who asserted a link; it is confirmed only when both sides did."""

    confirmed: bool
    asserted_by: list[LinkSide]


class OrderParcelLink(LinkStatus):
    """An order <-> parcel link the caller is a side of (or, for entitled roles, any).

    `revealed` says whether the object on the other side is in this view: a link reveals
    an object only when its owner asserted it, so a one-sided claim of the caller's own
    shows here with `revealed: false` and nothing of the other object."""

    platform_code: str
    order_no: str
    carrier_id: str
    waybill_no: str
    revealed: bool


class LinkedParcel(ParcelSummary, LinkStatus):
    """A parcel in an order's view, and whether both sides assert it ships the order."""

    #: From pickup until delivered (null otherwise, or with too little data): docs/edd.md.
    predicted_delivery: PredictedDelivery | None = None


class LinkedOrder(OrderSummary, LinkStatus):
    """An order in a parcel's view, and whether both sides assert the parcel ships it."""


class LinkedDeclaration(DeclarationSummary):
    """A declaration in an order's or parcel's view. `confirmed`: what it names is the
    caller's and exists (platform: the order; carrier: the parcel; customs liaison and
    admin: an order or parcel it names); otherwise it is the declarant's claim only."""

    confirmed: bool


class ParcelView(ParcelSummary):
    """GET /v1/parcels/{carrier_code}/{waybill_no}."""

    first_event_at: datetime
    platform_code: str
    order_no: str
    #: The orders linked to the parcel that the caller may read.
    orders: list[LinkedOrder]
    customs: list[LinkedDeclaration]
    timeline: list[TimelineEntry]
    #: The parcel's links the caller is a side of, confirmed or not.
    links: list[OrderParcelLink]
    #: From pickup until delivered (null otherwise, or with too little data): docs/edd.md.
    predicted_delivery: PredictedDelivery | None = None


class GoodsLineView(BaseModel):
    """A line of goods."""

    gnum: int = 0
    item_no: str = ""
    item_name: str = ""
    hs_code: str = ""
    quantity: int = 0
    unit: str = ""
    unit_price: str = ""
    total_price: str = ""
    origin_country: str = ""


class Consignment(BaseModel):
    """The order, its parcels and its declarations as one shipment."""

    order_status: str
    parcel_statuses: dict[str, str]
    declaration_statuses: dict[str, str]
    #: True when every parcel is DELIVERED and, for cross-border, an inventory is RELEASED
    #: or CLOSED.
    complete: bool


class OrderView(OrderSummary):
    """GET /v1/orders/{platform_code}/{order_no}."""

    first_event_at: datetime
    buyer: PartyView | None
    consignee: PartyView | None
    lines: list[GoodsLineView]
    #: The parcels linked to the order that the caller may read (their carrier shared
    #: them, or they are the caller's own); `confirmed` when both sides assert the link.
    parcels: list[LinkedParcel]
    declarations: list[LinkedDeclaration]
    #: Of the confirmed parcels only.
    consignment: Consignment
    #: Every event of the order, its confirmed parcels and its declarations, in event-time
    #: order.
    timeline: list[TimelineEntry]
    #: The order's links the caller is a side of, confirmed or not.
    links: list[OrderParcelLink]


class Receipt(BaseModel):
    """A customs receipt, in return_time order."""

    seq: int = Field(description=GLOBAL_SEQ)
    event_id: uuid.UUID
    message_type: str
    return_status: str
    return_time: datetime | None
    return_info: str
    status: str


class Filing(BaseModel):
    """One of conflicting documents of a kind, each one the reader may read: a
    declarant's latest declaration of that kind, or (order only) the platform's own order
    when it contradicts a declarant's (then `declarant` is the platform's code and
    `declaration_id` and `accepted` are null)."""

    source: Literal["customs", "hub_order"]
    declaration_id: uuid.UUID | None
    declarant: str
    status: str
    accepted: bool | None


class DocumentState(BaseModel):
    """One of the documents the three-document match needs.

    `conflict`: declarations of more than one declarant (among those the reader may read)
    are documents of this kind for the order or shipment, or (order) a declarant's order
    document contradicts the platform's own order; none is taken for the others,
    `declaration_id`, `status` and `accepted` are then empty and `filings` lists each."""

    document: DocumentName
    present: bool
    #: Where it came from: a customs message, or the platform's order events (order only).
    source: Literal["customs", "hub_order", "none"]
    declaration_id: uuid.UUID | None = None
    status: str = ""
    accepted: bool | None = None
    conflict: bool = False
    filings: list[Filing] = Field(default_factory=list)


class Check(BaseModel):
    """One rule of the match: agree, disagree, or unknown when a side is missing;
    conflict when the result depends on which of conflicting documents is taken."""

    rule: Literal["amount", "buyer_payer", "consignee", "lines", "all_accepted"]
    result: Literal["agree", "disagree", "unknown", "conflict"]
    detail: str


class ThreeDocumentCheck(BaseModel):
    """三单对碰: order, payment, waybill and inventory, which exist and which agree.

    A rule over a kind in `conflicts` reads the result every choice of its documents
    gives, or `conflict` when choices differ; the consignment is never `matched` while a
    kind is in conflict."""

    documents: list[DocumentState]
    checks: list[Check]
    missing: list[DocumentName]
    matched: bool
    conflicts: list[DocumentName] = Field(default_factory=list)


class ImportLimits(BaseModel):
    """CBEC import limits (CNY 5,000 per transaction, CNY 26,000 per buyer per year)."""

    applies: bool
    order_amount: str | None
    exceeds_order_limit: bool | None
    year: int | None
    #: The buyer's yearly figures (all platforms' orders of that buyer): None unless the
    #: reader's role is customs_liaison or admin (for others they would be an oracle).
    buyer_year_total: str | None
    buyer_year_orders: int | None
    exceeds_annual_limit: bool | None
    #: Orders counted in buyer_year_orders whose amount is not money (not in the total;
    #: exceeds_annual_limit is then None unless the total alone exceeds the limit).
    buyer_year_unreadable: int | None = None
    order_limit: str = "5000.00"
    annual_limit: str = "26000.00"


class DeclarationItem(DeclarationSummary):
    """A declaration in GET /v1/customs/declarations.

    A declaration is its declarant's claim about an order and a parcel. `confirmed`: what
    it names is the reader's and exists (platform: the order it names is the platform's;
    carrier: the parcel it names is the carrier's; customs liaison and admin: an order or
    parcel it names exists); otherwise the reader sees the declarant's claim only. Its
    declarant always reads false: whether another partner's order or parcel exists is not
    the declarant's to learn."""

    confirmed: bool


class DeclarationView(DeclarationItem):
    """GET /v1/customs/declarations/{id}."""

    carrier_id: str
    agent_code: str
    ebc_code: str
    district_code: str
    receipts: list[Receipt]
    order: OrderSummary | None
    parcels: list[ParcelSummary]
    three_documents: ThreeDocumentCheck
    limits: ImportLimits


class DeclarationPage(BaseModel):
    """A page of declarations; pass `next_cursor` as `cursor` for the next page."""

    items: list[DeclarationItem]
    next_cursor: str | None = Field(default=None)


class CarrierCandidate(BaseModel):
    """A carrier a waybill number may be from (quanhub.common.waybills)."""

    carrier_id: str
    name_zh: str
    name_en: str
    #: The carrier's Kuaidi100 `com` and Kdniao `ShipperCode`.
    kuaidi100: str
    kdniao: str
    #: 0-1: how likely, from the number's shape alone; the confidences of one answer add
    #: up to at most 1.
    confidence: float
    #: The shape the number has, in words (e.g. "SF + 13 digits").
    shape: str


class CarrierDetection(BaseModel):
    """GET /v1/carriers/detect: the candidates, most likely first; empty when none fits."""

    waybill_no: str
    candidates: list[CarrierCandidate]

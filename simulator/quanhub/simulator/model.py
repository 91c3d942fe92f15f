"""The simulator's domain: what an order, a parcel and a declaration are, and the steps of
their stories, before any of it becomes a protobuf event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from quanhub.simulator.catalog import Carrier, Platform
from quanhub.simulator.milestones import Milestone, OrderStep
from quanhub.simulator.people import Address, Person


class Kind(StrEnum):
    """Which body an event carries (and which raw topic it lands on)."""

    ORDER = "order"
    PARCEL = "parcel"
    CUSTOMS = "customs"


class Anomaly(StrEnum):
    """How a send departs from the clean story."""

    NONE = "none"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    UNKNOWN_CODE = "unknown_code"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class GoodsLine:
    """One line of goods; prices are decimal strings in yuan."""

    gnum: int
    item_no: str
    item_name: str
    hs_code: str
    quantity: int
    unit: str
    unit_price: str
    total_price: str
    origin_country: str


@dataclass(frozen=True, slots=True)
class Amounts:
    """An order's money, decimal strings in CNY."""

    goods_value: str
    freight: str
    discount: str
    tax_total: str
    actual_paid: str


@dataclass(frozen=True, slots=True)
class Order:
    """The static facts of one order (its story changes only its status)."""

    platform: Platform
    order_no: str
    buyer: Person
    consignee: Address
    lines: tuple[GoodsLine, ...]
    amounts: Amounts
    pay_code: str
    pay_transaction_id: str
    green_packaging: bool
    #: "9610" or "1210" for a cross-border import, "" for a domestic order.
    trade_mode: str = ""


@dataclass(frozen=True, slots=True)
class Parcel:
    """The static facts of one parcel."""

    carrier: Carrier
    waybill_no: str
    district_code: str
    e_waybill: bool
    #: "RECYCLABLE", "SINGLE_USE" or "NONE" (the canonical TransitBag name).
    transit_bag: str
    weight_grams: int
    vehicle_no: str
    #: "DOOR", "SMART_LOCKER" or "STATION": where it is handed over if delivered.
    delivery_point: str
    delivery_point_id: str


@dataclass(frozen=True, slots=True)
class OrderChange:
    """An order status change; `shipment` adds the carrier and waybill (SHIPPED)."""

    order: Order
    step: OrderStep
    parcel: Parcel | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    """A parcel scan at a place; the delivery point is set on hand-over scans."""

    parcel: Parcel
    order: Order
    milestone: Milestone
    location: str
    district_code: str
    at_delivery_point: bool = False


@dataclass(frozen=True, slots=True)
class CustomsMessage:
    """A customs business message (receipt fields empty) or receipt (return_status set)."""

    order: Order
    parcel: Parcel
    message_type: str
    cop_no: str
    customs_code: str
    return_status: str = ""
    return_info: str = ""
    invt_no: str = ""
    pre_no: str = ""

    @property
    def is_receipt(self) -> bool:
        """True for a receipt (CEBxx2), false for the message being declared."""
        return self.message_type.endswith("2")


Body = OrderChange | Scan | CustomsMessage


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happened, who reports it and when; `event_id` is stable per seed.

    `anomaly` says how this send departs from the clean story; `defect` names what is
    broken in a malformed one.
    """

    event_id: str
    partner: str
    at: datetime
    body: Body
    anomaly: Anomaly = Anomaly.NONE
    defect: str = ""

    @property
    def kind(self) -> Kind:
        """The event kind of the body."""
        if isinstance(self.body, OrderChange):
            return Kind.ORDER
        if isinstance(self.body, Scan):
            return Kind.PARCEL
        return Kind.CUSTOMS

    @property
    def object_key(self) -> str:
        """The hub's business key of the object this step is about."""
        body = self.body
        if isinstance(body, OrderChange):
            return f"O|{body.order.platform.partner}|{body.order.order_no}"
        if isinstance(body, Scan):
            return f"P|{body.parcel.carrier.carrier_id}|{body.parcel.waybill_no}"
        return f"C|{self.partner}|{body.cop_no}"


@dataclass(frozen=True, slots=True)
class Mark:
    """A deliberate trouble in a story, as planned: the object (its hub key) goes quiet from
    `since` to `until` (None: for good) for `reason` (lost, stalled, uncollected,
    customs_stuck). The ground truth resolves it against the events actually sent."""

    reason: str
    key: str
    since: datetime
    until: datetime | None


@dataclass(frozen=True, slots=True)
class Story:
    """One order's whole story: its clean steps in event-time order, its deliberate
    troubles, and the injected incidents (by index in the run's list) that held it up."""

    order: Order
    parcel: Parcel | None
    steps: tuple[Step, ...]
    marks: tuple[Mark, ...] = ()
    held: tuple[int, ...] = ()

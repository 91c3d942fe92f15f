"""Canonical enum names without their proto prefix, customs message kinds, and business keys.

The issue names statuses bare (`DELIVERED`, not `PARCEL_STATUS_DELIVERED`); every service
that shows or parses a canonical status goes through the `EnumNames` tables here. Business
keys (docs/architecture.md "Business keys") are built here too, so the gateway, the
normalizer and the ledger agree byte for byte on which partition an object lives in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast

from google.protobuf.descriptor import EnumDescriptor

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.carriers import resolve_carrier
from quanhub.ingest.v1 import ingest_pb2 as ipb

__all__ = [
    "CUSTOMS_DOCUMENT",
    "DECLARATION_STATUS",
    "DELIVERY_POINT",
    "DETENTION",
    "ORDER_STATUS",
    "PARCEL_STATUS",
    "PARCEL_SUB_STATUS",
    "RECEIPT_MESSAGE_TYPES",
    "REQUEST_RECEIPTS",
    "TRANSIT_BAG",
    "CustomsFields",
    "CustomsMessage",
    "EnumNames",
    "canonical_business_key",
    "customs_document_name",
    "customs_document_no",
    "customs_key",
    "customs_message",
    "declaration_status_name",
    "delivery_point_name",
    "detention_name",
    "event_business_key",
    "normalize_waybill",
    "order_key",
    "order_status_name",
    "parcel_key",
    "parcel_status_name",
    "parcel_sub_status_name",
    "transit_bag_name",
]

V = TypeVar("V", bound=int)


class EnumNames(Generic[V]):
    """Bare names of one canonical enum: `name(6) == "DELIVERED"`, `value("delivered") == 6`."""

    def __init__(self, descriptor: EnumDescriptor, prefix: str) -> None:
        self._prefix = prefix
        self._by_value: dict[int, str] = {}
        self._by_name: dict[str, V] = {}
        for value in descriptor.values:
            bare = value.name.removeprefix(prefix)
            self._by_value[value.number] = bare
            self._by_name[bare] = cast("V", value.number)

    def name(self, value: int) -> str:
        """The bare name of `value`; "UNSPECIFIED" for 0. Raises ValueError for a stray number."""
        try:
            return self._by_value[value]
        except KeyError:
            msg = f"{value} is not a {self._prefix.rstrip('_')} value"
            raise ValueError(msg) from None

    def value(self, name: str) -> V | None:
        """The value named `name` (bare or prefixed, any case), or None if there is none."""
        bare = name.strip().upper().removeprefix(self._prefix)
        return self._by_name.get(bare)

    def names(self) -> tuple[str, ...]:
        """Every bare name except UNSPECIFIED, in value order."""
        return tuple(n for v, n in sorted(self._by_value.items()) if v != 0)


PARCEL_STATUS: EnumNames[cpb.ParcelStatus.ValueType] = EnumNames(
    cpb.ParcelStatus.DESCRIPTOR, "PARCEL_STATUS_"
)
PARCEL_SUB_STATUS: EnumNames[cpb.ParcelSubStatus.ValueType] = EnumNames(
    cpb.ParcelSubStatus.DESCRIPTOR, "PARCEL_SUB_STATUS_"
)
ORDER_STATUS: EnumNames[cpb.OrderStatus.ValueType] = EnumNames(
    cpb.OrderStatus.DESCRIPTOR, "ORDER_STATUS_"
)
DELIVERY_POINT: EnumNames[cpb.DeliveryPoint.ValueType] = EnumNames(
    cpb.DeliveryPoint.DESCRIPTOR, "DELIVERY_POINT_"
)
TRANSIT_BAG: EnumNames[cpb.TransitBag.ValueType] = EnumNames(
    cpb.TransitBag.DESCRIPTOR, "TRANSIT_BAG_"
)
DECLARATION_STATUS: EnumNames[cpb.DeclarationStatus.ValueType] = EnumNames(
    cpb.DeclarationStatus.DESCRIPTOR, "DECLARATION_STATUS_"
)
DETENTION: EnumNames[cpb.Detention.ValueType] = EnumNames(cpb.Detention.DESCRIPTOR, "DETENTION_")
CUSTOMS_DOCUMENT: EnumNames[cpb.CustomsDocument.ValueType] = EnumNames(
    cpb.CustomsDocument.DESCRIPTOR, "CUSTOMS_DOCUMENT_"
)


def parcel_status_name(value: int) -> str:
    """`parcel_status_name(cpb.PARCEL_STATUS_DELIVERED) == "DELIVERED"`."""
    return PARCEL_STATUS.name(value)


def order_status_name(value: int) -> str:
    """`order_status_name(cpb.ORDER_STATUS_PAID) == "PAID"`."""
    return ORDER_STATUS.name(value)


def parcel_sub_status_name(value: int) -> str:
    """`parcel_sub_status_name(cpb.PARCEL_SUB_STATUS_SIGNED_BY_PROXY) == "SIGNED_BY_PROXY"`."""
    return PARCEL_SUB_STATUS.name(value)


def delivery_point_name(value: int) -> str:
    """`delivery_point_name(cpb.DELIVERY_POINT_SMART_LOCKER) == "SMART_LOCKER"`."""
    return DELIVERY_POINT.name(value)


def transit_bag_name(value: int) -> str:
    """`transit_bag_name(cpb.TRANSIT_BAG_RECYCLABLE) == "RECYCLABLE"`."""
    return TRANSIT_BAG.name(value)


def declaration_status_name(value: int) -> str:
    """`declaration_status_name(cpb.DECLARATION_STATUS_RELEASED) == "RELEASED"`."""
    return DECLARATION_STATUS.name(value)


def detention_name(value: int) -> str:
    """`detention_name(cpb.DETENTION_TO_LEGAL) == "TO_LEGAL"`."""
    return DETENTION.name(value)


def customs_document_name(value: int) -> str:
    """`customs_document_name(cpb.CUSTOMS_DOCUMENT_INVENTORY) == "INVENTORY"`."""
    return CUSTOMS_DOCUMENT.name(value)


# --- customs message kinds -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomsMessage:
    """What a CEB message type is: its document, and whether customs sent it as a receipt."""

    document: cpb.CustomsDocument.ValueType
    is_receipt: bool


_D = cpb.CustomsDocument
# (document, business messages, receipts). Source: ../shared/reference/customs.md
# "Messages" (customs enterprise message spec, 2018 trial version, revised 202205): each
# business message has a receipt numbered one higher; CEB792 answers CEB701.
_CUSTOMS_FAMILIES: tuple[tuple[cpb.CustomsDocument.ValueType, str, str], ...] = (
    (_D.CUSTOMS_DOCUMENT_ORDER, "CEB311 CEB303", "CEB312 CEB304"),
    (_D.CUSTOMS_DOCUMENT_PAYMENT, "CEB411 CEB403", "CEB412 CEB404"),
    (_D.CUSTOMS_DOCUMENT_WAYBILL, "CEB511 CEB505", "CEB512 CEB506"),
    (_D.CUSTOMS_DOCUMENT_WAYBILL_STATUS, "CEB513", "CEB514"),
    (_D.CUSTOMS_DOCUMENT_INVENTORY, "CEB621 CEB603", "CEB622 CEB604"),
    (_D.CUSTOMS_DOCUMENT_CANCEL, "CEB623 CEB605", "CEB624 CEB606"),
    (_D.CUSTOMS_DOCUMENT_RETURN, "CEB625 CEB213 CEB215", "CEB626 CEB214 CEB216"),
    (_D.CUSTOMS_DOCUMENT_ARRIVAL, "CEB711 CEB507", "CEB712 CEB508"),
    (_D.CUSTOMS_DOCUMENT_DEPARTURE, "CEB509", "CEB510"),
    (_D.CUSTOMS_DOCUMENT_BILL_LINK, "CEB607", "CEB608"),
    (_D.CUSTOMS_DOCUMENT_SUMMARY, "CEB701", "CEB702 CEB792"),
    # Tax bills and their status are documents customs issues, not receipts of a submission.
    (_D.CUSTOMS_DOCUMENT_TAX, "CEB816 CEB818", ""),
    (_D.CUSTOMS_DOCUMENT_FORMAT_CHECK, "", "CEB900"),
)
_CUSTOMS_MESSAGES: dict[str, CustomsMessage] = {
    message_type: CustomsMessage(document, is_receipt)
    for document, business, receipts in _CUSTOMS_FAMILIES
    for is_receipt, types in ((False, business), (True, receipts))
    for message_type in types.split()
}

#: The CEB message types customs sends as receipts.
RECEIPT_MESSAGE_TYPES = frozenset(t for t, kind in _CUSTOMS_MESSAGES.items() if kind.is_receipt)

#: Receipts whose 399 means "the cancel / return request was approved" (issue 3).
REQUEST_RECEIPTS = frozenset({"CEB624", "CEB606", "CEB626", "CEB214", "CEB216"})


def customs_message(message_type: str) -> CustomsMessage | None:
    """The kind of a CEB message type ("ceb622 " is read as "CEB622"), or None if unknown."""
    return _CUSTOMS_MESSAGES.get(message_type.strip().upper())


# --- business keys ---------------------------------------------------------------------


def normalize_waybill(waybill_no: str) -> str:
    """The one spelling of a waybill number the hub keys and stores by (trimmed, upper case)."""
    return waybill_no.strip().upper()


def parcel_key(carrier_id: str, waybill_no: str) -> bytes:
    """`P|<carrier_id>|<waybill_no>`."""
    return f"P|{carrier_id}|{normalize_waybill(waybill_no)}".encode()


def order_key(platform_code: str, order_no: str) -> bytes:
    """`O|<platform_code>|<order_no>`."""
    return f"O|{platform_code.strip()}|{order_no.strip()}".encode()


#: Documents whose receipts the customs spec keys by something other than copNo / orderNo:
#: a payment receipt (CEB412, CEB404) by the payment transaction, a waybill receipt (CEB512,
#: CEB506) by the waybill (../shared/reference/customs.md, "Linking keys").
_SPEC_KEYS: dict[cpb.CustomsDocument.ValueType, str] = {
    _D.CUSTOMS_DOCUMENT_PAYMENT: "pay_transaction_id",
    _D.CUSTOMS_DOCUMENT_WAYBILL: "logistics_no",
}


class CustomsFields(Protocol):
    """The fields of a customs event (ingest) or update (canonical) that name its document."""

    @property
    def message_type(self) -> str: ...
    @property
    def cop_no(self) -> str: ...
    @property
    def order_no(self) -> str: ...
    @property
    def pay_transaction_id(self) -> str: ...
    @property
    def logistics_no(self) -> str: ...


def customs_document_no(customs: CustomsFields) -> str:
    """The number that names a customs message's document for its declarant ("" if none).

    `cop_no` first; for a payment or waybill message without one, the key the spec gives
    its receipts (the payment transaction id, the waybill number), so a CEB412 or CEB512
    receipt carrying only that key lands on the declaration it answers; then `order_no`.
    A waybill number is spelt as the hub keys waybills (normalize_waybill).
    """
    cop_no = customs.cop_no.strip()
    if cop_no:
        return cop_no
    kind = customs_message(customs.message_type)
    field = _SPEC_KEYS.get(kind.document) if kind is not None else None
    if field is not None and (spec_key := getattr(customs, field).strip()):
        return normalize_waybill(spec_key) if field == "logistics_no" else spec_key
    return customs.order_no.strip()


def customs_key(declarant: str, cop_no: str, order_no: str = "") -> bytes:
    """`C|<declarant>|<cop_no>`, falling back to the order number when cop_no is empty
    (pass customs_document_no's number as `cop_no` for a whole event)."""
    return f"C|{declarant.strip()}|{cop_no.strip() or order_no.strip()}".encode()


def event_business_key(event: ipb.Event, partner_code: str) -> bytes:
    """The Kafka key of a partner event on the raw topics (the gateway's side).

    An unresolvable carrier code keys by its upper-cased self, so the key never fails; the
    event is rejected by validation anyway.
    """
    kind = event.WhichOneof("body")
    if kind == "parcel":
        p = event.parcel
        carrier = resolve_carrier(p.carrier_code) or p.carrier_code.strip().upper()
        return parcel_key(carrier, p.waybill_no)
    if kind == "order":
        return order_key(event.order.platform_code, event.order.order_no)
    if kind == "customs":
        return customs_key(partner_code, customs_document_no(event.customs))
    return f"X|{partner_code}|{event.event_id}".encode()


def canonical_business_key(event: cpb.CanonicalEvent) -> bytes:
    """The Kafka key of a canonical event: the same object as its raw event's key."""
    kind = event.WhichOneof("body")
    if kind == "parcel":
        return parcel_key(event.parcel.carrier_id, event.parcel.waybill_no)
    if kind == "order":
        return order_key(event.order.platform_code, event.order.order_no)
    if kind == "customs":
        return customs_key(event.source_partner, customs_document_no(event.customs))
    return f"X|{event.source_partner}|{event.source_event_id}".encode()

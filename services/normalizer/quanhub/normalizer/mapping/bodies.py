"""Canonical bodies from validated partner bodies: order, parcel and customs updates.

Every field quanhub.common.fields classes as free text (descriptions, locations, item
names, and short texts that are neither identifiers nor checked codes: a goods line's unit
and origin country, pay_code, statistics_flag, vehicle_no, ...) is scrubbed first
(`fields.scrubbed`), so one quoting a phone or ID number is masked; the fields are then
copied. Identifiers (order and waybill numbers, cop_no, item_no, hs_code, ...) are kept as
sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple, cast

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import normalize_waybill
from quanhub.common.carriers import resolve_carrier
from quanhub.common.fields import scrubbed
from quanhub.common.validation import parse_return_time
from quanhub.common.waybills import likely_carrier
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping.parties import consignee_party, person_party
from quanhub.normalizer.mapping.points import delivery_point
from quanhub.normalizer.mapping.text import mask_names_in_text
from quanhub.normalizer.vocab import customs
from quanhub.normalizer.vocab.registry import order_lookup, parcel_lookup
from quanhub.normalizer.vocab.types import PointHint

__all__ = ["Mapped", "customs_update", "order_update", "parcel_update"]


class Mapped(NamedTuple):
    """A body plus what the envelope needs: code system, raw code and text, whether mapped."""

    code_system: str
    raw_code: str
    raw_text: str
    mapped: bool


def _lines(lines: Iterable[ipb.GoodsLine]) -> list[cpb.GoodsLine]:
    return [
        cpb.GoodsLine(
            gnum=line.gnum,
            item_no=line.item_no,
            item_name=line.item_name,
            hs_code=line.hs_code,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            total_price=line.total_price,
            origin_country=line.origin_country,
        )
        for line in lines
    ]


def _parties(
    out: cpb.OrderUpdate | cpb.CustomsUpdate,
    source: ipb.OrderEvent | ipb.CustomsEvent,
    path: str,
    tokens: Mapping[str, str],
) -> None:
    """Set the Party fields the source carries (an absent person stays absent)."""
    if source.HasField("buyer"):
        out.buyer.CopyFrom(person_party(source.buyer, f"{path}.buyer", tokens))
    if source.HasField("consignee"):
        out.consignee.CopyFrom(consignee_party(source.consignee, f"{path}.consignee", tokens))
    if source.HasField("payer"):
        out.payer.CopyFrom(person_party(source.payer, f"{path}.payer", tokens))


def _detect_carrier(out: cpb.OrderUpdate) -> None:
    """The carrier of a waybill the platform named alone, when its shape is telling enough
    (quanhub.common.waybills.DETECTION_THRESHOLD); carrier_id stays the platform's (empty),
    so the guess is never taken for the platform's assertion of a link."""
    guess = likely_carrier(out.waybill_no)
    if guess is not None:
        out.detected_carrier_id = guess.carrier_id
        out.detected_confidence = guess.confidence


def order_update(
    order: ipb.OrderEvent, tokens: Mapping[str, str]
) -> tuple[cpb.OrderUpdate, Mapped]:
    """The OrderUpdate of a valid order event; an unknown code gives status UNKNOWN."""
    order = scrubbed(order)
    lookup = order_lookup(order.code_system)
    row = lookup(order.code) if lookup else None
    out = cpb.OrderUpdate(
        platform_code=order.platform_code.strip(),
        order_no=order.order_no.strip(),
        status=row.status if row else cpb.ORDER_STATUS_UNKNOWN,
        carrier_id=resolve_carrier(order.carrier_code) or "" if order.carrier_code else "",
        waybill_no=normalize_waybill(order.waybill_no),
        trade_mode=order.trade_mode,
        ie_flag=order.ie_flag,
        amounts=cpb.Amounts(
            currency=order.currency or "CNY",
            goods_value=order.goods_value,
            freight=order.freight,
            discount=order.discount,
            tax_total=order.tax_total,
            actual_paid=order.actual_paid,
        ),
        lines=_lines(order.lines),
        pay_code=order.pay_code,
        pay_transaction_id=order.pay_transaction_id,
        ebc_code=order.ebc_code,
    )
    _parties(out, order, "order", tokens)
    if order.HasField("green_packaging"):
        out.green_packaging = order.green_packaging
    if out.waybill_no and not order.carrier_code.strip():
        _detect_carrier(out)
    system = order.code_system.strip().lower()
    return out, Mapped(system, order.code.strip(), order.description, row is not None)


def parcel_update(parcel: ipb.ParcelEvent) -> tuple[cpb.ParcelUpdate, Mapped]:
    """The ParcelUpdate of a valid parcel event; an unknown code gives status UNKNOWN."""
    parcel = scrubbed(parcel)
    lookup = parcel_lookup(parcel.code_system)
    row = lookup(parcel.code) if lookup else None
    status = row.status if row else cpb.PARCEL_STATUS_UNKNOWN
    sub_status = row.sub_status if row else cpb.PARCEL_SUB_STATUS_UNSPECIFIED
    point = delivery_point(
        parcel.delivery_point,
        row.point if row else PointHint.NONE,
        sub_status,
        f"{parcel.description} {parcel.location}",
    )
    out = cpb.ParcelUpdate(
        carrier_id=resolve_carrier(parcel.carrier_code) or "",
        waybill_no=normalize_waybill(parcel.waybill_no),
        status=status,
        sub_status=sub_status,
        delivery_point=point,
        delivery_point_id=parcel.delivery_point_id,
        platform_code=parcel.platform_code.strip(),
        order_no=parcel.order_no.strip(),
        location=parcel.location,
        district_code=parcel.district_code,
        transit_bag=cast("cpb.TransitBag.ValueType", parcel.transit_bag),
        vehicle_no=parcel.vehicle_no,
        weight_grams=parcel.weight_grams,
    )
    if parcel.HasField("e_waybill"):
        out.e_waybill = parcel.e_waybill
    system = parcel.code_system.strip().lower()
    return out, Mapped(system, parcel.code.strip(), parcel.description, row is not None)


def customs_update(
    message: ipb.CustomsEvent, tokens: Mapping[str, str]
) -> tuple[cpb.CustomsUpdate, Mapped]:
    """The CustomsUpdate of a valid customs event; an unknown receipt status gives UNKNOWN."""
    message = scrubbed(message)
    message_type = message.message_type.strip().upper()
    code = customs.lookup(message_type, message.return_status)
    out = cpb.CustomsUpdate(
        message_type=message_type,
        document=code.document,
        is_receipt=code.is_receipt,
        trade_mode=message.trade_mode,
        ie_flag=message.ie_flag,
        cop_no=message.cop_no.strip(),
        invt_no=message.invt_no.strip(),
        order_no=message.order_no.strip(),
        ebp_code=message.ebp_code,
        ebc_code=message.ebc_code,
        logistics_code=message.logistics_code,
        logistics_no=normalize_waybill(message.logistics_no),
        agent_code=message.agent_code,
        customs_code=message.customs_code,
        status=code.status,
        detention=code.detention,
        return_status=message.return_status.strip(),
        return_info=mask_names_in_text(message.return_info),
        amounts=cpb.Amounts(
            currency=message.currency or "CNY",
            goods_value=message.goods_value,
            freight=message.freight,
            tax_total=message.tax_total,
            actual_paid=message.actual_paid,
        ),
        lines=_lines(message.lines),
        pay_code=message.pay_code,
        pay_transaction_id=message.pay_transaction_id,
        statistics_flag=message.statistics_flag,
        pre_no=message.pre_no,
        carrier_id=resolve_carrier(message.logistics_code) or "" if message.logistics_code else "",
    )
    _parties(out, message, "customs", tokens)
    returned_at = parse_return_time(message.return_time) if message.return_time else None
    if returned_at is not None:
        out.return_time.FromDatetime(returned_at)
    raw_code = message.return_status.strip() or message_type
    return out, Mapped(customs.CODE_SYSTEM, raw_code, message.return_info, code.known)

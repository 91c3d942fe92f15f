"""Canonical events built in code, for the ledger's tests and its throughput benchmark."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import (
    CUSTOMS_DOCUMENT,
    DECLARATION_STATUS,
    DELIVERY_POINT,
    ORDER_STATUS,
    PARCEL_STATUS,
    PARCEL_SUB_STATUS,
    TRANSIT_BAG,
    EnumNames,
    customs_message,
)
from quanhub.common.ids import canonical_event_id

V = TypeVar("V", bound=int)


def _enum(names: EnumNames[V], name: str) -> V:
    value = names.value(name)
    if value is None:
        msg = f"unknown canonical name {name!r}"
        raise ValueError(msg)
    return value


def _envelope(
    partner: str, role: str, source_event_id: str, occurred_at: datetime, raw_code: str
) -> cpb.CanonicalEvent:
    event = cpb.CanonicalEvent(
        event_id=str(canonical_event_id(partner, source_event_id)),
        source_partner=partner,
        source_event_id=source_event_id,
        partner_role=role,
        code_system="quanhub",
        raw_code=raw_code,
        raw_text=raw_code.lower(),
        schema_version=1,
        ingress="gateway",
    )
    event.occurred_at.FromDatetime(occurred_at)
    event.received_at.FromDatetime(occurred_at)
    return event


def parcel_event(
    source_event_id: str,
    *,
    waybill_no: str,
    status: str,
    occurred_at: datetime,
    carrier_id: str = "SF",
    sub_status: str = "UNSPECIFIED",
    delivery_point: str = "UNSPECIFIED",
    district_code: str = "",
    platform_code: str = "",
    order_no: str = "",
    e_waybill: bool | None = None,
    transit_bag: str = "UNSPECIFIED",
    location: str = "",
) -> cpb.CanonicalEvent:
    """A carrier's tracking event, already in canonical form."""
    event = _envelope(carrier_id, "carrier", source_event_id, occurred_at, status)
    parcel = event.parcel
    parcel.carrier_id = carrier_id
    parcel.waybill_no = waybill_no
    parcel.status = _enum(PARCEL_STATUS, status)
    parcel.sub_status = _enum(PARCEL_SUB_STATUS, sub_status)
    parcel.delivery_point = _enum(DELIVERY_POINT, delivery_point)
    parcel.district_code = district_code
    parcel.platform_code = platform_code
    parcel.order_no = order_no
    parcel.transit_bag = _enum(TRANSIT_BAG, transit_bag)
    parcel.location = location
    if e_waybill is not None:
        parcel.e_waybill = e_waybill
    return event


def party(token: str, masked: str = "", district_code: str = "") -> cpb.Party:
    """A person as the hub keeps it: the same token for every field, for brevity."""
    return cpb.Party(
        id_token=f"t1:id-{token}",
        id_masked=masked or "370102********0000",
        name_token=f"t1:name-{token}",
        name_masked="张*",
        telephone_token=f"t1:phone-{token}",
        telephone_masked="138****0000",
        address_token=f"t1:addr-{token}",
        address_masked="山东省济南市历下区****",
        district_code=district_code,
    )


def order_event(
    source_event_id: str,
    *,
    platform_code: str,
    order_no: str,
    status: str,
    occurred_at: datetime,
    carrier_id: str = "",
    waybill_no: str = "",
    trade_mode: str = "",
    ie_flag: str = "",
    buyer: str = "",
    district_code: str = "",
    actual_paid: str = "",
    lines: list[tuple[int, str, int, str]] | None = None,
) -> cpb.CanonicalEvent:
    """A platform's order event; `lines` are (gnum, item_no, quantity, total_price)."""
    event = _envelope(platform_code, "platform", source_event_id, occurred_at, status)
    order = event.order
    order.platform_code = platform_code
    order.order_no = order_no
    order.status = _enum(ORDER_STATUS, status)
    order.carrier_id = carrier_id
    order.waybill_no = waybill_no
    order.trade_mode = trade_mode
    order.ie_flag = ie_flag
    if buyer:
        order.buyer.CopyFrom(party(buyer))
        order.consignee.CopyFrom(party(buyer, district_code=district_code))
    if actual_paid:
        order.amounts.CopyFrom(cpb.Amounts(currency="CNY", actual_paid=actual_paid))
    for gnum, item_no, quantity, total in lines or ():
        order.lines.add(gnum=gnum, item_no=item_no, quantity=quantity, total_price=total)
    return event


def customs_event(
    source_event_id: str,
    *,
    declarant: str,
    message_type: str,
    cop_no: str,
    occurred_at: datetime,
    status: str = "SUBMITTED",
    return_status: str = "",
    return_time: datetime | None = None,
    return_info: str = "",
    trade_mode: str = "1210",
    ie_flag: str = "I",
    order_no: str = "",
    ebp_code: str = "",
    logistics_code: str = "",
    logistics_no: str = "",
    carrier_id: str = "",
    buyer: str = "",
    district_code: str = "",
    actual_paid: str = "",
    lines: list[tuple[int, str, int, str]] | None = None,
) -> cpb.CanonicalEvent:
    """A customs message or receipt (the document follows from the message type)."""
    raw = return_status or message_type
    event = _envelope(declarant, "customs_agent", source_event_id, occurred_at, raw)
    customs = event.customs
    known = customs_message(message_type)
    customs.message_type = message_type
    customs.document = known.document if known else _enum(CUSTOMS_DOCUMENT, "OTHER")
    customs.is_receipt = known.is_receipt if known else bool(return_status)
    customs.status = _enum(DECLARATION_STATUS, status)
    customs.return_status = return_status
    if return_time is not None:
        customs.return_time.FromDatetime(return_time)
    customs.return_info = return_info
    customs.trade_mode = trade_mode
    customs.ie_flag = ie_flag
    customs.cop_no = cop_no
    customs.order_no = order_no
    customs.ebp_code = ebp_code
    customs.logistics_code = logistics_code
    customs.logistics_no = logistics_no
    customs.carrier_id = carrier_id
    if buyer:
        customs.buyer.CopyFrom(party(buyer))
        customs.payer.CopyFrom(party(buyer))
        customs.consignee.CopyFrom(party(buyer, district_code=district_code))
    if actual_paid:
        customs.amounts.CopyFrom(cpb.Amounts(currency="CNY", actual_paid=actual_paid))
    for gnum, item_no, quantity, total in lines or ():
        customs.lines.add(gnum=gnum, item_no=item_no, quantity=quantity, total_price=total)
    return event


def traffic(count: int, *, seed: int = 1) -> list[cpb.CanonicalEvent]:
    """A city's mix: per order ~1 order event, ~6 parcel scans and ~2 customs messages
    for one order in ten (cross-border), spread over ten days."""
    rng = random.Random(seed)  # noqa: S311 - test traffic, not cryptography
    start = datetime(2026, 11, 1, tzinfo=UTC)
    scans = ["PICKED_UP", "IN_TRANSIT", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    out: list[cpb.CanonicalEvent] = []
    n = 0
    while len(out) < count:
        n += 1
        at = start + timedelta(minutes=rng.randrange(60 * 24 * 10))
        carrier = rng.choice(["SF", "ZTO", "YTO", "STO", "YUNDA", "EMS"])
        platform = rng.choice(["TMALL", "JD", "PDD"])
        order_no, waybill = f"{platform}{n:09d}", f"{carrier}{n:010d}"
        district = rng.choice(["370102", "370103", "370104", "370105", "370112"])
        cross = rng.random() < 0.1
        out.append(
            order_event(
                f"o{seed}-{n}",
                platform_code=platform,
                order_no=order_no,
                status="SHIPPED",
                occurred_at=at,
                carrier_id=carrier,
                waybill_no=waybill,
                trade_mode="1210" if cross else "",
                ie_flag="I" if cross else "",
                buyer=f"b{n % 5000}",
                district_code=district,
                actual_paid="199.00",
            )
        )
        for i, status in enumerate(scans):
            out.append(
                parcel_event(
                    f"p{seed}-{n}-{i}",
                    carrier_id=carrier,
                    waybill_no=waybill,
                    status=status,
                    occurred_at=at + timedelta(hours=4 * i + 1),
                    district_code=district,
                    e_waybill=rng.random() < 0.98,
                    transit_bag=rng.choice(["RECYCLABLE", "SINGLE_USE"]),
                    delivery_point=rng.choice(["DOOR", "SMART_LOCKER", "STATION"])
                    if status == "DELIVERED"
                    else "UNSPECIFIED",
                    platform_code=platform if i == 0 else "",
                    order_no=order_no if i == 0 else "",
                )
            )
        if cross:
            out.append(
                customs_event(
                    f"c{seed}-{n}",
                    declarant="JNAGENT",
                    message_type="CEB621",
                    cop_no=f"INV{n:09d}",
                    occurred_at=at,
                    logistics_no=waybill,
                    logistics_code=carrier,
                    buyer=f"b{n % 5000}",
                    order_no=order_no,
                    ebp_code=platform,
                )
            )
            out.append(
                customs_event(
                    f"c{seed}-{n}-r",
                    declarant="JNAGENT",
                    message_type="CEB622",
                    cop_no=f"INV{n:09d}",
                    occurred_at=at,
                    status="RELEASED",
                    return_status="800",
                    return_time=at + timedelta(hours=2),
                    order_no=order_no,
                    ebp_code=platform,
                )
            )
    return out[:count]

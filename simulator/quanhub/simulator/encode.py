"""Steps to the partner-facing contract: each step becomes the quanhub.ingest.v1.Event its
partner would send, in its own vocabulary, with the personal data a real partner sends."""

from __future__ import annotations

from collections.abc import MutableSequence
from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

from quanhub.common.carriers import carrier as hub_carrier
from quanhub.common.formats import CST
from quanhub.common.timestamps import to_seconds_nanos
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.anomalies import break_event
from quanhub.simulator.catalog import AGENTS
from quanhub.simulator.milestones import Milestone
from quanhub.simulator.model import (
    Anomaly,
    CustomsMessage,
    GoodsLine,
    Order,
    OrderChange,
    Scan,
    Step,
)
from quanhub.simulator.people import Address, Person
from quanhub.simulator.vocab import (
    UNKNOWN_CODES,
    UNKNOWN_RETURN_STATUS,
    order_row,
    parcel_row,
)

_AGENT_CODES = {agent.partner: agent.agent_code for agent in AGENTS}
_POINTS = {
    "DOOR": ipb.DELIVERY_POINT_DOOR,
    "SMART_LOCKER": ipb.DELIVERY_POINT_SMART_LOCKER,
    "STATION": ipb.DELIVERY_POINT_STATION,
}
_BAGS = {
    "RECYCLABLE": ipb.TRANSIT_BAG_RECYCLABLE,
    "SINGLE_USE": ipb.TRANSIT_BAG_SINGLE_USE,
    "NONE": ipb.TRANSIT_BAG_NONE,
}
#: Scans between sorting centres, where the parcel travels in a transit bag.
_BAGGED = frozenset({Milestone.DEPARTED_HUB, Milestone.ARRIVED_AT_HUB, Milestone.LINE_HAUL})
_KNOWS_ORDER = frozenset({Milestone.ORDER_PLACED, Milestone.PICKED_UP})
#: How each platform names carriers on its shipment events.
_PLATFORM_CARRIER_STYLE = {"TMALL": "kuaidi100", "PDD": "kdniao"}


def encode(step: Step) -> ipb.Event:
    """The event `step.partner` sends for `step` (broken on purpose when malformed)."""
    event = ipb.Event(event_id=step.event_id, trace_id=step.event_id.rsplit("-", 1)[0])
    _set_time(event.occurred_at, step.at)
    body = step.body
    unknown = step.anomaly is Anomaly.UNKNOWN_CODE
    if isinstance(body, OrderChange):
        _order(event.order, body, unknown)
    elif isinstance(body, Scan):
        _parcel(event.parcel, body, unknown)
    else:
        _customs(event.customs, body, step, unknown)
    if step.anomaly is Anomaly.MALFORMED:
        break_event(event, step.defect)
    return event


def _set_time(target: Timestamp, at: datetime) -> None:
    target.seconds, target.nanos = to_seconds_nanos(at)


def _person(target: ipb.Person, person: Person) -> None:
    target.id_number = person.id_number
    target.name = person.name
    target.telephone = person.telephone


def _consignee(target: ipb.Consignee, address: Address) -> None:
    target.name = address.name
    target.telephone = address.telephone
    target.address = address.address
    target.district_code = address.district_code


def _lines(target: MutableSequence[ipb.GoodsLine], lines: tuple[GoodsLine, ...]) -> None:
    for line in lines:
        target.append(
            ipb.GoodsLine(
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
        )


def _order(target: ipb.OrderEvent, change: OrderChange, unknown: bool) -> None:
    order = change.order
    system = order.platform.code_system
    row = UNKNOWN_CODES[system] if unknown else order_row(system, change.step)
    if row is None:  # writers never emit such a step; a defect if one gets here
        msg = f"{system} has no code for {change.step.name}"
        raise ValueError(msg)
    target.platform_code = order.platform.partner
    target.order_no = order.order_no
    target.code_system = system
    target.code = row.code
    target.description = row.text
    if order.trade_mode:
        target.trade_mode = order.trade_mode
        target.ie_flag = "I"
    if change.parcel is not None:
        known = hub_carrier(change.parcel.carrier.carrier_id)
        style = _PLATFORM_CARRIER_STYLE.get(order.platform.partner)
        target.carrier_code = getattr(known, style) if style else known.id
        target.waybill_no = change.parcel.waybill_no
    if change.step.value in {"CREATED", "PAID"} and not unknown:
        _order_details(target, order)


def _order_details(target: ipb.OrderEvent, order: Order) -> None:
    _person(target.buyer, order.buyer)
    _consignee(target.consignee, order.consignee)
    amounts = order.amounts
    target.currency = "CNY"
    target.goods_value = amounts.goods_value
    target.freight = amounts.freight
    target.discount = amounts.discount
    target.tax_total = amounts.tax_total
    target.actual_paid = amounts.actual_paid
    _lines(target.lines, order.lines)
    target.pay_code = order.pay_code
    target.pay_transaction_id = order.pay_transaction_id
    _person(target.payer, order.buyer)
    target.green_packaging = order.green_packaging
    if order.trade_mode:
        target.ebc_code = order.platform.ebp_code


def _parcel(target: ipb.ParcelEvent, scan: Scan, unknown: bool) -> None:
    parcel = scan.parcel
    system = parcel.carrier.code_system
    row = UNKNOWN_CODES[system] if unknown else parcel_row(system, scan.milestone)
    if row is None:  # writers never emit such a scan; a defect if one gets here
        msg = f"{system} has no code for {scan.milestone.name}"
        raise ValueError(msg)
    target.carrier_code = parcel.carrier.carrier_code
    target.waybill_no = parcel.waybill_no
    target.code_system = system
    target.code = row.code
    target.description = f"【{scan.location}】{row.text}"
    target.location = scan.location
    target.district_code = scan.district_code
    target.e_waybill = parcel.e_waybill
    if scan.milestone in _KNOWS_ORDER:
        target.platform_code = scan.order.platform.partner
        target.order_no = scan.order.order_no
    if scan.milestone is Milestone.PICKED_UP:
        target.weight_grams = parcel.weight_grams
    if scan.milestone in _BAGGED:
        target.transit_bag = _BAGS[parcel.transit_bag]
    if scan.milestone is Milestone.OUT_FOR_DELIVERY:
        target.vehicle_no = parcel.vehicle_no
    if scan.at_delivery_point:
        target.delivery_point = _POINTS[parcel.delivery_point]
        target.delivery_point_id = parcel.delivery_point_id


def return_time(step: Step) -> str:
    """The step's instant as customs writes returnTime: yyyyMMddHHmmssSSS, China time (the
    contract's return_time format, quanhub.common.formats)."""
    local = step.at.astimezone(timezone(CST))
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"


def _customs(target: ipb.CustomsEvent, message: CustomsMessage, step: Step, unknown: bool) -> None:
    order, parcel = message.order, message.parcel
    target.message_type = message.message_type
    target.trade_mode = order.trade_mode
    target.ie_flag = "I"
    target.cop_no = message.cop_no
    target.order_no = order.order_no
    target.ebp_code = order.platform.ebp_code
    target.ebc_code = order.platform.ebp_code
    target.agent_code = step_agent_code(step)
    target.customs_code = message.customs_code
    kind = message.message_type
    if kind in {"CEB511", "CEB512", "CEB621", "CEB622"}:
        target.logistics_code = parcel.carrier.logistics_code
        target.logistics_no = parcel.waybill_no
    if message.is_receipt:
        status, info = (
            (UNKNOWN_RETURN_STATUS.code, UNKNOWN_RETURN_STATUS.text)
            if unknown
            else (message.return_status, message.return_info)
        )
        target.return_status = status
        target.return_info = info
        target.return_time = return_time(step)
        target.invt_no = message.invt_no
        target.pre_no = message.pre_no
        return
    amounts = order.amounts
    target.currency = "CNY"
    if kind in {"CEB311", "CEB621"}:
        _person(target.buyer, order.buyer)
        target.goods_value = amounts.goods_value
        target.tax_total = amounts.tax_total
        _lines(target.lines, order.lines)
    if kind in {"CEB311", "CEB511", "CEB621"}:
        _consignee(target.consignee, order.consignee)
        target.freight = amounts.freight
    if kind in {"CEB311", "CEB411", "CEB621"}:
        target.actual_paid = amounts.actual_paid
        target.pay_code = order.pay_code
        target.pay_transaction_id = order.pay_transaction_id
    if kind == "CEB411":
        _person(target.payer, order.buyer)


def step_agent_code(step: Step) -> str:
    """The declaring agent's customs code for a step the agent sends."""
    return _AGENT_CODES[step.partner]

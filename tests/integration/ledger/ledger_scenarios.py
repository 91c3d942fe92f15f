"""Canonical events of realistic consignments, for the ledger's integration tests."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from quanhub.bench.synthetic import customs_event, order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import canonical_business_key
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping.bodies import order_update

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Jinan
ORDER_NO = "TM20261120-1210-0001"
WAYBILL = "SF1210000001"
LINES = [(1, "SKU-MILK-800G", 2, "398.00"), (2, "SKU-VIT-C", 1, "101.00")]


@dataclass(frozen=True)
class Expected:
    """What the 1210 consignment must read back as."""

    order_status: str = "COMPLETED"
    parcel_status: str = "DELIVERED"
    inventory_status: str = "RELEASED"


def import_1210_consignment() -> list[cpb.CanonicalEvent]:
    """A bonded (1210) import: order, the four customs documents and their receipts, and
    the parcel, in true time order. The stale IN_TRANSIT scan is stamped before delivery."""
    h = timedelta(hours=1)
    m = timedelta(minutes=1)
    order = {"platform_code": "TMALL", "order_no": ORDER_NO, "trade_mode": "1210", "ie_flag": "I"}
    buyer = {"buyer": "buyer-001", "district_code": "370102"}
    link = {"order_no": ORDER_NO, "ebp_code": "3701PT0001"}
    logistics = {"logistics_code": "3701LG0001", "logistics_no": WAYBILL}

    def receipt(  # noqa: PLR0917 - a row of the receipt table below, by position
        sid: str,
        declarant: str,
        cop: str,
        mtype: str,
        code: str,
        status: str,
        at: datetime,
        info: str = "",
    ) -> cpb.CanonicalEvent:
        return customs_event(
            sid,
            declarant=declarant,
            message_type=mtype,
            cop_no=cop,
            occurred_at=at,
            status=status,
            return_status=code,
            return_time=at,
            return_info=info,
            **link,
        )

    return [
        order_event(
            "o-created",
            status="CREATED",
            occurred_at=T0,
            **order,
            **buyer,
            actual_paid="499.00",
            lines=LINES,
        ),
        order_event(
            "o-paid",
            status="PAID",
            occurred_at=T0 + 2 * m,
            **order,
            **buyer,
            actual_paid="499.00",
            lines=LINES,
        ),
        customs_event(
            "c-ord",
            declarant="TMALL",
            message_type="CEB311",
            cop_no="ORD-0001",
            occurred_at=T0 + 5 * m,
            **link,
            **buyer,
            actual_paid="499.00",
            lines=LINES,
        ),
        receipt("c-ord-r", "TMALL", "ORD-0001", "CEB312", "120", "ACCEPTED", T0 + 6 * m),
        customs_event(
            "c-pay",
            declarant="JNAGENT",
            message_type="CEB411",
            cop_no="PAY-0001",
            occurred_at=T0 + 5 * m,
            **link,
            **buyer,
            actual_paid="499.00",
        ),
        receipt("c-pay-r", "JNAGENT", "PAY-0001", "CEB412", "120", "ACCEPTED", T0 + 7 * m),
        customs_event(
            "c-wb",
            declarant="SF",
            message_type="CEB511",
            cop_no="WB-0001",
            occurred_at=T0 + 10 * m,
            **link,
            **logistics,
            **buyer,
        ),
        receipt("c-wb-r", "SF", "WB-0001", "CEB512", "120", "ACCEPTED", T0 + 12 * m),
        customs_event(
            "c-inv",
            declarant="JNAGENT",
            message_type="CEB621",
            cop_no="INV-0001",
            occurred_at=T0 + 15 * m,
            **link,
            **logistics,
            **buyer,
            lines=LINES,
        ),
        receipt("c-inv-2", "JNAGENT", "INV-0001", "CEB622", "2", "DECLARING", T0 + 16 * m),
        receipt("c-inv-120", "JNAGENT", "INV-0001", "CEB622", "120", "ACCEPTED", T0 + 20 * m),
        receipt("c-inv-399", "JNAGENT", "INV-0001", "CEB622", "399", "CONCLUDED", T0 + 40 * m),
        receipt("c-inv-800", "JNAGENT", "INV-0001", "CEB622", "800", "RELEASED", T0 + 2 * h),
        order_event(
            "o-shipped",
            status="SHIPPED",
            occurred_at=T0 + 3 * h,
            carrier_id="SF",
            waybill_no=WAYBILL,
            **order,
        ),
        parcel_event(
            "p-pick",
            waybill_no=WAYBILL,
            status="PICKED_UP",
            occurred_at=T0 + 3 * h,
            e_waybill=True,
            transit_bag="RECYCLABLE",
            district_code="370102",
            platform_code="TMALL",
            order_no=ORDER_NO,
            location="Jinan bonded zone",
        ),
        parcel_event(
            "p-transit",
            waybill_no=WAYBILL,
            status="IN_TRANSIT",
            occurred_at=T0 + 6 * h,
            location="Jinan hub",
        ),
        parcel_event(
            "p-stale",
            waybill_no=WAYBILL,
            status="IN_TRANSIT",
            occurred_at=T0 + 8 * h,
            location="Lixia station",
        ),
        parcel_event(
            "p-out",
            waybill_no=WAYBILL,
            status="OUT_FOR_DELIVERY",
            occurred_at=T0 + 20 * h,
            district_code="370102",
        ),
        parcel_event(
            "p-delivered",
            waybill_no=WAYBILL,
            status="DELIVERED",
            sub_status="IN_LOCKER_OR_STATION",
            occurred_at=T0 + 22 * h,
            delivery_point="SMART_LOCKER",
            district_code="370102",
        ),
        order_event("o-completed", status="COMPLETED", occurred_at=T0 + 30 * h, **order),
    ]


def scrambled(
    events: list[cpb.CanonicalEvent], *, seed: int, duplicates: int, late: str = "p-stale"
) -> list[cpb.CanonicalEvent]:
    """The events shuffled, some sent twice, and the `late` one arriving last of all."""
    rng = random.Random(seed)
    shuffled = [e for e in events if e.source_event_id != late]
    rng.shuffle(shuffled)
    shuffled += rng.sample(events, duplicates)
    rng.shuffle(shuffled)
    return shuffled + [e for e in events if e.source_event_id == late]


def keyed(event: cpb.CanonicalEvent) -> tuple[bytes, bytes]:
    """(Kafka key, value) as the normalizer produces them."""
    return canonical_business_key(event), event.SerializeToString()


def random_traffic(count: int, *, seed: int, parcels: int = 200) -> list[cpb.CanonicalEvent]:
    """Many parcel scans over a few hundred waybills, times and statuses at random."""
    rng = random.Random(seed)
    statuses = [
        "PICKED_UP",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
        "EXCEPTION",
        "RETURNING",
        "AVAILABLE_FOR_PICKUP",
    ]
    points = ["UNSPECIFIED", "DOOR", "SMART_LOCKER", "STATION"]
    bags = ["UNSPECIFIED", "RECYCLABLE", "SINGLE_USE"]
    out = []
    for i in range(count):
        n = rng.randrange(parcels)
        out.append(
            parcel_event(
                f"r{seed}-{i}",
                carrier_id=rng.choice(["SF", "ZTO"]),
                waybill_no=f"RW{n:06d}",
                status=rng.choice(statuses),
                occurred_at=T0 + timedelta(minutes=rng.randrange(60 * 24 * 10)),
                delivery_point=rng.choice(points),
                district_code=rng.choice(["370102", "370103", "370112", ""]),
                e_waybill=rng.choice([True, False, None]),
                transit_bag=rng.choice(bags),
                platform_code="JD" if n % 3 == 0 else "",
                order_no=f"JD{n:06d}" if n % 3 == 0 else "",
            )
        )
    return out


def linked_orders(prefix: str, numbers: Iterable[int]) -> list[cpb.CanonicalEvent]:
    """JD orders naming the waybills random_traffic scans (order n names RW n): their keys
    differ from the parcels', so with shards most links join objects of two shards."""
    return [
        order_event(
            f"{prefix}-{n}",
            platform_code="JD",
            order_no=f"JD{n:06d}",
            status="SHIPPED",
            occurred_at=T0 + timedelta(minutes=n),
            carrier_id="SF" if n % 2 else "ZTO",
            waybill_no=f"RW{n:06d}",
        )
        for n in numbers
    ]


def detected_order(
    source_event_id: str,
    order_no: str,
    waybill_no: str,
    *,
    occurred_at: datetime,
    actual_paid: str = "",
) -> cpb.CanonicalEvent:
    """TMALL's shipment naming `waybill_no` and no carrier, mapped by the normalizer (which
    detects the carrier from the number's shape)."""
    event = order_event(
        source_event_id,
        platform_code="TMALL",
        order_no=order_no,
        status="SHIPPED",
        occurred_at=occurred_at,
        actual_paid=actual_paid,
    )
    mapped, _ = order_update(
        ipb.OrderEvent(
            platform_code="TMALL",
            order_no=order_no,
            code_system="taobao",
            code="WAIT_BUYER_CONFIRM_GOODS",
            waybill_no=waybill_no,
        ),
        {},
    )
    event.order.waybill_no = mapped.waybill_no
    event.order.carrier_id = mapped.carrier_id
    event.order.detected_carrier_id = mapped.detected_carrier_id
    event.order.detected_confidence = mapped.detected_confidence
    return event


def door_delivery(
    carrier: str, waybill: str, picked: datetime, took: timedelta
) -> list[cpb.CanonicalEvent]:
    """Picked up in Hangzhou (330110) at `picked`, delivered at a door in 370102 `took`
    later."""
    common = {"carrier_id": carrier, "waybill_no": waybill}
    return [
        parcel_event(
            f"{waybill}-p", **common, status="PICKED_UP", occurred_at=picked, district_code="330110"
        ),
        parcel_event(
            f"{waybill}-d",
            **common,
            status="DELIVERED",
            occurred_at=picked + took,
            district_code="370102",
            delivery_point="DOOR",
        ),
    ]

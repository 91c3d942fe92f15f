"""GET /v1/parcels/... and GET /v1/orders/...: one object, its links and its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from quanhub.common.canonical import normalize_waybill
from quanhub.common.carriers import resolve_carrier
from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.api.deps import (
    ClockDep,
    EddModelsDep,
    InstancesDep,
    PointDatabaseDep,
    PrincipalDep,
)
from quanhub.ledger.api.instants import bounded_instant
from quanhub.ledger.api.schemas import OrderView, ParcelView
from quanhub.ledger.edd.view import predicted_delivery
from quanhub.ledger.read.objects import get_order, get_parcel
from quanhub.ledger.read.spread import spread_order, spread_parcel
from quanhub.ledger.read.visibility import require_object_access

router = APIRouter(prefix="/v1", tags=["objects"])

#: The moment a view's predicted delivery is for.
AsOf = Annotated[
    datetime | None,
    Query(
        description="Predict delivery as of this moment (ISO 8601 with offset; default: "
        "now). The model learns from deliveries before that day (CST).",
    ),
]

_PROBLEMS = problems(
    {
        **AUTH_PROBLEMS,
        403: "The caller's role reads indicators only",
        404: "No such object, or not visible to the caller",
        422: INVALID_REQUEST,
    }
)


@router.get("/parcels/{carrier_code}/{waybill_no}", responses=_PROBLEMS)
async def parcel(
    carrier_code: Annotated[
        str, Path(max_length=64, description="Kuaidi100/Kdniao code or hub id")
    ],
    waybill_no: Annotated[str, Path(max_length=64)],
    *,
    principal: PrincipalDep,
    db: PointDatabaseDep,
    instances: InstancesDep,
    clock: ClockDep,
    edd: EddModelsDep,
    as_of: AsOf = None,
) -> ParcelView:
    """A parcel's canonical status, sub-status and delivery point, its full timeline with the
    carrier's raw codes, the order it ships and the customs status of its declarations.

    `carrier_code` may be a Kuaidi100 code (`shunfeng`), a Kdniao code (`SF`) or the hub's
    carrier id. Carriers see their own parcels, platforms the parcels whose carrier named
    one of their orders, the customs liaison the parcels a declaration names; anything else
    is 404. `links` lists the parcel's order links the caller is a side of, with who
    asserted each; a link is `confirmed` only when both sides did. `predicted_delivery`
    (from pickup until delivered) is the most likely delivery time and a band at stated
    confidence, learned from delivered parcels of its segment (docs/edd.md).
    """
    require_object_access(principal)
    carrier_id = resolve_carrier(carrier_code) or carrier_code.strip().upper()
    waybill = normalize_waybill(waybill_no)
    if instances is None:
        view = await get_parcel(db, principal, carrier_id, waybill)
    else:
        view = await spread_parcel(instances, principal, carrier_id, waybill)
    moment = bounded_instant("as_of", as_of) or clock.now()
    model = await edd.model(moment, exact=as_of is not None)
    view["predicted_delivery"] = predicted_delivery(model, view, principal, moment)
    return ParcelView.model_validate(view)


@router.get("/orders/{platform_code}/{order_no}", responses=_PROBLEMS)
async def order(
    platform_code: Annotated[str, Path(max_length=32)],
    order_no: Annotated[str, Path(max_length=64)],
    *,
    principal: PrincipalDep,
    db: PointDatabaseDep,
    instances: InstancesDep,
    clock: ClockDep,
    edd: EddModelsDep,
    as_of: AsOf = None,
) -> OrderView:
    """An order's status, its parcels and their statuses, its customs declarations, and one
    consignment timeline merging every event of all of them in event-time order.

    Platforms see their own orders, carriers the orders whose platform named one of their
    waybills, the customs liaison the orders a declaration names; anything else is 404.
    `links` lists the order's parcel links the caller is a side of; a parcel appears in
    `parcels` only when the caller may read it, and counts in the consignment and the
    timeline only when the link is `confirmed` (both sides asserted it). Each parcel carries
    its `predicted_delivery` (docs/edd.md).
    """
    require_object_access(principal)
    # Platform codes are partner codes, registered upper case (the partners table's CHECK),
    # and an order's platform_code must equal its platform's partner code: `tmall` names
    # the same orders as `TMALL`, as carrier codes are read in any case.
    platform, number = platform_code.strip().upper(), order_no.strip()
    if instances is None:
        view = await get_order(db, principal, platform, number)
    else:
        view = await spread_order(instances, principal, platform, number)
    moment = bounded_instant("as_of", as_of) or clock.now()
    model = await edd.model(moment, exact=as_of is not None)
    for parcel in view["parcels"]:
        parcel["predicted_delivery"] = predicted_delivery(model, parcel, principal, moment)
    return OrderView.model_validate(view)

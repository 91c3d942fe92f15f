"""Shipping a domestic or bonded parcel: its static facts, pickup, delivery, and the order
steps that follow from how the delivery went."""

from __future__ import annotations

import random
from datetime import datetime

from quanhub.simulator.catalog import BONDED_ZONE, Carrier, Origin
from quanhub.simulator.config import Mix
from quanhub.simulator.journey import (
    Journey,
    Outcome,
    first_mile,
    hours,
    last_mile,
    return_to_sender,
)
from quanhub.simulator.milestones import Milestone, OrderStep
from quanhub.simulator.model import Parcel
from quanhub.simulator.timing import pickup_time
from quanhub.simulator.writer import StoryContext

_O = OrderStep
#: Goods leaving the bonded zone (1210) start their domestic journey in Jinan itself.
BONDED_ORIGIN = Origin(BONDED_ZONE[0], BONDED_ZONE[1], 0.0, 0.0)


def _pick(draw: float, shares: tuple[tuple[str, float], ...], rest: str) -> str:
    for name, share in shares:
        if draw < share:
            return name
        draw -= share
    return rest


def make_parcel(
    rng: random.Random, mix: Mix, carrier: Carrier, waybill: str, district: str
) -> Parcel:
    """A parcel's fixed facts: e-waybill, transit bag, weight, vehicle, where it will go."""
    bag = _pick(
        rng.random(),
        (("RECYCLABLE", mix.recyclable_bag), ("SINGLE_USE", mix.single_use_bag)),
        "NONE",
    )
    point = _pick(rng.random(), (("SMART_LOCKER", mix.locker), ("STATION", mix.station)), "DOOR")
    point_id = "" if point == "DOOR" else f"{point[0]}{district}{rng.randint(1, 400):03d}"
    return Parcel(
        carrier=carrier,
        waybill_no=waybill,
        district_code=district,
        e_waybill=rng.random() < mix.e_waybill,
        transit_bag=bag,
        weight_grams=rng.randint(150, 8000),
        vehicle_no=f"鲁A{rng.choice('DF')}{rng.randint(10000, 99999)}",
        delivery_point=point,
        delivery_point_id=point_id,
    )


def new_journey(ctx: StoryContext, at: datetime) -> Journey:
    """The parcel's journey from `at`, under the run's load and incidents."""
    config = ctx.config
    return Journey(ctx.parcel.carrier, ctx.rng, at, config.load, config.incidents)


def ship_and_deliver(ctx: StoryContext, origin: Origin, ready_at: datetime) -> None:
    """Waybill printed, pickup at `origin` (in the next pickup hours after `ready_at`),
    delivery, and the order's steps that follow from it (shipped, delivered, completed or
    returned)."""
    rng = ctx.rng
    pickup_at = pickup_time(rng, ready_at)
    journey = new_journey(ctx, pickup_at - hours(rng.uniform(0.5, 4)))
    journey.scan(Milestone.ORDER_PLACED, f"{origin.hub}揽收网点", origin.district_code)
    journey.t = pickup_at
    first_mile(journey, origin.hub, origin.district_code, origin.line_haul_hours)
    ctx.writer.order(ctx.order, _O.SHIPPED, pickup_at + hours(rng.uniform(0.05, 0.5)), ctx.parcel)
    after_arrival(ctx, journey, origin)


def after_arrival(ctx: StoryContext, journey: Journey, origin: Origin) -> None:
    """From Jinan's sorting centre to the end of the order's story; refused parcels go
    back to `origin`."""
    rng, writer, order = ctx.rng, ctx.writer, ctx.order
    mix = ctx.config.mix
    outcome = last_mile(journey, mix, ctx.parcel, rng.random() < mix.signed_by_proxy)
    if outcome is Outcome.LOST:
        # Nobody reports anything more: the order stays shipped, the parcel where it was.
        writer.journey(order, ctx.parcel, journey)
        return
    if outcome is Outcome.REFUSED:
        return_to_sender(journey, origin.hub, origin.district_code)
        back = journey.t
        writer.journey(order, ctx.parcel, journey)
        writer.order(order, _O.RETURNED, back + hours(rng.uniform(0.5, 6)))
        writer.order(order, _O.REFUNDED, back + hours(rng.uniform(8, 30)))
        return
    done = journey.t
    writer.journey(order, ctx.parcel, journey)
    writer.order(order, _O.DELIVERED, done + hours(rng.uniform(0.05, 1)))
    if rng.random() < mix.return_after_delivery:
        asked = done + hours(rng.uniform(12, 120))
        writer.order(order, _O.RETURN_REQUESTED, asked)
        writer.order(order, _O.RETURNED, asked + hours(rng.uniform(48, 144)))
        writer.order(order, _O.REFUNDED, asked + hours(rng.uniform(150, 200)))
        return
    writer.order(order, _O.COMPLETED, done + hours(rng.uniform(24, 240)))

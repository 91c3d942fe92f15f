"""One order's whole story: who buys what, how it ships, what customs says, who reports it."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import timedelta

from quanhub.simulator.catalog import (
    AGENTS,
    CARRIERS,
    DISTRICTS,
    ORIGINS,
    PLATFORMS,
    Carrier,
    Platform,
)
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.crossborder import cross_border_story
from quanhub.simulator.goods import Numbers, amounts_for, pick_lines
from quanhub.simulator.journey import hours
from quanhub.simulator.milestones import OrderStep
from quanhub.simulator.model import Order, Story
from quanhub.simulator.people import fake_address, fake_person
from quanhub.simulator.shipping import make_parcel, ship_and_deliver
from quanhub.simulator.writer import StoryContext, StoryWriter

_O = OrderStep


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


@dataclass(frozen=True, slots=True)
class Choices:
    """Who may take part in a run, with cumulative weights for fast weighted draws."""

    platforms: tuple[Platform, ...]
    platform_weights: list[float]
    domestic: tuple[Carrier, ...]
    domestic_weights: list[float]
    cross_border: tuple[Carrier, ...]
    cross_border_weights: list[float]
    districts: tuple[str, ...]
    district_weights: list[float]
    origin_weights: list[float]

    @classmethod
    def build(cls, carriers: frozenset[str] | None = None) -> Choices:
        """The catalog, optionally restricted to some carrier partner codes."""
        chosen = tuple(c for c in CARRIERS if carriers is None or c.partner in carriers)
        domestic = tuple(c for c in chosen if c.weight > 0)
        cross = tuple(c for c in chosen if c.cross_border_weight > 0) or domestic
        if not domestic:
            msg = "no carrier left to ship domestic parcels"
            raise ValueError(msg)
        return cls(
            PLATFORMS,
            _cumulative([p.weight for p in PLATFORMS]),
            domestic,
            _cumulative([c.weight for c in domestic]),
            cross,
            _cumulative([c.cross_border_weight or c.weight for c in cross]),
            tuple(code for code, _, _ in DISTRICTS),
            _cumulative([w for _, _, w in DISTRICTS]),
            _cumulative([o.weight for o in ORIGINS]),
        )


def build_story(
    index: int, rng: random.Random, config: SimulationConfig, numbers: Numbers, choices: Choices
) -> Story:
    """The story of order number `index` of the run."""
    mix = config.mix
    platform = rng.choices(choices.platforms, cum_weights=choices.platform_weights)[0]
    first, days = config.placement(index)
    created = first + timedelta(days=days * rng.random())
    cross = rng.random() < config.cross_border_share
    trade_mode = ("1210" if rng.random() < mix.trade_mode_1210 else "9610") if cross else ""
    buyer = fake_person(rng)
    district = rng.choices(choices.districts, cum_weights=choices.district_weights)[0]
    consignee = fake_address(rng, district, buyer if rng.random() < 0.8 else None)
    lines = pick_lines(rng, cross)
    paid_at = created + timedelta(minutes=min(rng.expovariate(1 / 6), 120))
    order = Order(
        platform=platform,
        order_no=numbers.order_no(platform, index, created),
        buyer=buyer,
        consignee=consignee,
        lines=lines,
        amounts=amounts_for(rng, lines, cross),
        pay_code=rng.choice(("ZFB", "CFT", "UNIONPAY")) if not cross else "4403169D3W",
        pay_transaction_id=numbers.pay_transaction_id(index, paid_at),
        green_packaging=rng.random() < 0.3,
        trade_mode=trade_mode,
    )
    carriers, weights = (
        (choices.cross_border, choices.cross_border_weights)
        if cross
        else (choices.domestic, choices.domestic_weights)
    )
    carrier = rng.choices(carriers, cum_weights=weights)[0]
    parcel = make_parcel(rng, mix, carrier, numbers.waybill_no(carrier, index), district)
    writer = StoryWriter(numbers.event_prefix(index))
    ctx = StoryContext(writer, rng, config, numbers, index, order, parcel)
    writer.order(order, _O.CREATED, created)
    if rng.random() < mix.cancel_before_payment:
        writer.order(order, _O.CANCELLED, created + hours(rng.uniform(0.2, 1)))
        return Story(order, None, tuple(writer.steps))
    writer.order(order, _O.PAID, paid_at)
    if cross:
        cross_border_story(ctx, AGENTS[0], paid_at)
        return Story(
            order, parcel, tuple(writer.steps), tuple(writer.marks), tuple(sorted(writer.held))
        )
    if rng.random() < mix.cancel_after_payment:
        cancelled = paid_at + hours(rng.uniform(0.1, 6))
        writer.order(order, _O.CANCELLED, cancelled)
        writer.order(order, _O.REFUNDED, cancelled + hours(rng.uniform(0.5, 24)))
        return Story(order, None, tuple(writer.steps))
    origin = rng.choices(ORIGINS, cum_weights=choices.origin_weights)[0]
    ship_and_deliver(ctx, origin, paid_at + hours(rng.uniform(2, 36)))
    return Story(
        order, parcel, tuple(writer.steps), tuple(writer.marks), tuple(sorted(writer.held))
    )

"""Collects a story's steps, giving each a stable event id, and the context stories share."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.goods import Numbers
from quanhub.simulator.journey import Journey
from quanhub.simulator.milestones import OrderStep
from quanhub.simulator.model import Body, Mark, Order, OrderChange, Parcel, Scan, Step
from quanhub.simulator.vocab import order_row, parcel_row


class StoryWriter:
    """A story's steps so far; event ids are the story prefix and the step's rank. Also
    the story's deliberate troubles and the incidents that held its parcel."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.steps: list[Step] = []
        self.marks: list[Mark] = []
        self.held: set[int] = set()

    def add(self, partner: str, at: datetime, body: Body) -> None:
        """Record that `partner` reports `body` as happened at `at`."""
        self.steps.append(Step(f"{self.prefix}-{len(self.steps):02d}", partner, at, body))

    def order(
        self, order: Order, step: OrderStep, at: datetime, parcel: Parcel | None = None
    ) -> None:
        """The platform reports an order status change (with the parcel when it ships), if
        its vocabulary has a code for it."""
        if order_row(order.platform.code_system, step) is not None:
            self.add(order.platform.partner, at, OrderChange(order, step, parcel))

    def journey(self, order: Order, parcel: Parcel, journey: Journey) -> None:
        """The carrier reports the journey's scans so far that its vocabulary has codes for."""
        system = parcel.carrier.code_system
        for leg in journey.legs:
            if parcel_row(system, leg.milestone) is None:
                continue
            body = Scan(parcel, order, leg.milestone, leg.location, leg.district_code, leg.at_point)
            self.add(parcel.carrier.partner, leg.at, body)
        journey.legs.clear()
        key = f"P|{parcel.carrier.carrier_id}|{parcel.waybill_no}"
        self.marks.extend(Mark(reason, key, since, until) for reason, since, until in journey.marks)
        journey.marks.clear()
        self.held |= journey.held


@dataclass(frozen=True, slots=True)
class StoryContext:
    """What every part of one order's story needs: where steps go, randomness, the run."""

    writer: StoryWriter
    rng: random.Random
    config: SimulationConfig
    numbers: Numbers
    index: int
    order: Order
    parcel: Parcel

"""A cross-border import under 9610 (direct purchase) or 1210 (bonded): the customs documents
and receipts the agent relays, and the parcel's way around the customs decision."""

from __future__ import annotations

from datetime import datetime, timedelta

from quanhub.simulator.catalog import (
    CUSTOMS_OFFICES,
    INTERNATIONAL_GATEWAY,
    JINAN_HUB,
    CustomsAgent,
    Origin,
)
from quanhub.simulator.customs import InventoryOutcome, Submission, document_path, inventory_path
from quanhub.simulator.journey import hours, overseas_first_mile
from quanhub.simulator.milestones import Milestone, OrderStep
from quanhub.simulator.model import CustomsMessage, Mark
from quanhub.simulator.shipping import BONDED_ORIGIN, after_arrival, new_journey, ship_and_deliver
from quanhub.simulator.writer import StoryContext

#: Business message and receipt types of each import document, with the copNo letter.
DOCUMENTS = (("CEB311", "CEB312", "O"), ("CEB411", "CEB412", "P"), ("CEB511", "CEB512", "W"))
INVENTORY = ("CEB621", "CEB622", "I")
_GATEWAY = Origin(INTERNATIONAL_GATEWAY[0], INTERNATIONAL_GATEWAY[1], 0.0, 0.0)


def _file(
    ctx: StoryContext,
    agent: CustomsAgent,
    base: CustomsMessage,
    submissions: list[Submission],
    receipt_type: str,
) -> None:
    """The agent sends each submission and relays each of its receipts."""
    pre_no = invt_no = ""
    for submission in submissions:
        ctx.writer.add(agent.partner, submission.at, base)
        for receipt in submission.receipts:
            if receipt.status == "2" and not pre_no:
                pre_no = ctx.numbers.pre_no(receipt.at, ctx.index)
            if base.message_type == "CEB621" and receipt.status == "120" and not invt_no:
                invt_no = ctx.numbers.invt_no(base.customs_code, receipt.at, ctx.index)
            body = CustomsMessage(
                order=base.order,
                parcel=base.parcel,
                message_type=receipt_type,
                cop_no=base.cop_no,
                customs_code=base.customs_code,
                return_status=receipt.status,
                return_info=receipt.info,
                invt_no=invt_no,
                pre_no=pre_no,
            )
            ctx.writer.add(agent.partner, receipt.at, body)


def declare(
    ctx: StoryContext, agent: CustomsAgent, documents_at: datetime, inventory_at: datetime
) -> InventoryOutcome:
    """File order, payment and waybill at `documents_at` and the inventory at `inventory_at`."""
    office = CUSTOMS_OFFICES[ctx.order.trade_mode]
    mix = ctx.config.mix
    for offset, (message, receipt, letter) in enumerate(DOCUMENTS):
        cop_no = ctx.numbers.cop_no(agent.agent_code, letter, ctx.index)
        base = CustomsMessage(ctx.order, ctx.parcel, message, cop_no, office)
        sent = documents_at + timedelta(seconds=20 * offset)
        _file(ctx, agent, base, document_path(ctx.rng, mix, sent), receipt)
    message, receipt, letter = INVENTORY
    cop_no = ctx.numbers.cop_no(agent.agent_code, letter, ctx.index)
    base = CustomsMessage(ctx.order, ctx.parcel, message, cop_no, office)
    outcome = inventory_path(ctx.rng, mix, inventory_at, ctx.order.trade_mode)
    _file(ctx, agent, base, outcome.submissions, receipt)
    if outcome.stuck_since is not None:
        key = f"C|{agent.partner}|{cop_no}"
        mark = Mark("customs_stuck", key, outcome.stuck_since, outcome.stuck_until)
        ctx.writer.marks.append(mark)
    return outcome


def cross_border_story(ctx: StoryContext, agent: CustomsAgent, paid: datetime) -> None:
    """After payment: declaration, customs decision, and the parcel (if it may go)."""
    rng = ctx.rng
    documents_at = paid + hours(rng.uniform(0.05, 0.5))
    if ctx.order.trade_mode != "1210":
        _direct_import(ctx, agent, documents_at)
        return
    outcome = declare(ctx, agent, documents_at, documents_at + hours(rng.uniform(0.1, 0.6)))
    if outcome.released_at is None:
        _refund(ctx, _end_of(outcome))
        return
    ship_and_deliver(ctx, BONDED_ORIGIN, outcome.released_at + hours(rng.uniform(1, 8)))


def _direct_import(ctx: StoryContext, agent: CustomsAgent, documents_at: datetime) -> None:
    """9610: shipped from abroad, declared on arrival, then delivered or held."""
    rng, writer, order, parcel = ctx.rng, ctx.writer, ctx.order, ctx.parcel
    pickup = documents_at + hours(rng.uniform(12, 48))
    journey = new_journey(ctx, pickup)
    overseas_first_mile(journey)
    writer.order(order, OrderStep.SHIPPED, pickup + hours(rng.uniform(0.05, 0.5)), parcel)
    journey.scan(Milestone.HANDED_TO_CUSTOMS, _GATEWAY.hub, _GATEWAY.district_code)
    inventory_at = journey.t + hours(rng.uniform(0.5, 3))
    journey.t = inventory_at + hours(rng.uniform(0.05, 0.3))
    journey.scan(Milestone.CUSTOMS_CLEARING, _GATEWAY.hub, _GATEWAY.district_code)
    writer.journey(order, parcel, journey)
    outcome = declare(ctx, agent, documents_at, inventory_at)
    if outcome.stuck_since is not None:
        journey.stall("customs_stuck")  # waiting at the gateway as long as customs is
    if outcome.released_at is None:
        held_at = outcome.detained_at or _end_of(outcome)  # held when customs decides
        journey.t = held_at + hours(rng.uniform(0.5, 4))
        journey.scan(Milestone.CUSTOMS_HOLD, _GATEWAY.hub, _GATEWAY.district_code)
        if outcome.returned_at or outcome.abandoned_at:
            journey.t = max(journey.t, outcome.returned_at or journey.t) + hours(rng.uniform(2, 24))
            journey.scan(Milestone.RETURNING, _GATEWAY.hub, _GATEWAY.district_code)
        writer.journey(order, parcel, journey)
        _refund(ctx, _end_of(outcome))
        return
    journey.t = outcome.released_at + hours(rng.uniform(0.5, 3))
    journey.scan(Milestone.CUSTOMS_CLEARED, _GATEWAY.hub, _GATEWAY.district_code)
    journey.wait(1, 4)
    journey.scan(Milestone.ARRIVED_AT_HUB, JINAN_HUB, "370112")
    after_arrival(ctx, journey, _GATEWAY)


def _end_of(outcome: InventoryOutcome) -> datetime:
    ends = (outcome.returned_at, outcome.abandoned_at, outcome.detained_at)
    return next(t for t in ends if t is not None)


def _refund(ctx: StoryContext, after: datetime) -> None:
    cancelled = after + hours(ctx.rng.uniform(1, 48))
    ctx.writer.order(ctx.order, OrderStep.CANCELLED, cancelled)
    ctx.writer.order(ctx.order, OrderStep.REFUNDED, cancelled + hours(ctx.rng.uniform(2, 48)))

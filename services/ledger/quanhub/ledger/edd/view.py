"""A parcel's `predicted_delivery` in the parcel and order views."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field

from quanhub.common.access import Principal, Role
from quanhub.ledger.edd.features import SETTLED_STATUSES, known_segment
from quanhub.ledger.edd.model import EddModel
from quanhub.ledger.edd.rollup import CST

#: Roles that see a segment's sample size of any carrier (the city's); a carrier sees its
#: own. A platform reading a carrier's parcel does not learn that carrier's volumes.
_SAMPLE_ROLES = frozenset({Role.ADMIN, Role.CUSTOMS_LIAISON, Role.ANALYST})


class PredictedDelivery(BaseModel):
    """When the parcel should be delivered, learned from the ledger's delivered parcels of
    its segment and conditioned on the time it has already taken (docs/edd.md)."""

    most_likely: datetime = Field(description="The median of the segment's remaining times")
    earliest: datetime = Field(description="The band's start: the 2.5 % quantile")
    latest: datetime = Field(description="The band's end: the 97.5 % quantile")
    confidence: float = Field(
        description="Share of parcels the band [earliest, latest] should hold"
    )
    segment_level: str = Field(
        description="Fallback level used: segment, weekday, lane_point, lane, origin or "
        "carrier; last_mile once out for delivery (read from that scan on)"
    )
    segment: list[str] = Field(description="The features that level kept (known ones only)")
    sample: int | None = Field(
        description="Parcels of that level still to come at as_of; shown to the city's "
        "roles and the parcel's carrier only"
    )
    model_as_of: datetime = Field(
        description="The model learnt from deliveries before this moment (a CST midnight)"
    )
    as_of: datetime


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC) - CST


def predicted_delivery(
    model: EddModel, parcel: dict[str, Any], principal: Principal, as_of: datetime
) -> dict[str, Any] | None:
    """PredictedDelivery's fields for a parcel view's fields (`origin_district` and
    `out_for_delivery_at` among them); None before pickup, once delivered or returning,
    when no delivered parcel of its carrier took as long as it already has, or while the
    ledger has followed its carrier for less than a day (model.MIN_HORIZON)."""
    picked_up_at: datetime | None = parcel["picked_up_at"]
    if picked_up_at is None or parcel["status"] in SETTLED_STATUSES or as_of < picked_up_at:
        return None
    known = known_segment(
        carrier_id=parcel["carrier_id"],
        origin_district=parcel["origin_district"],
        district_code=parcel["district_code"],
        delivery_point=parcel["delivery_point"],
        status=parcel["status"],
        sub_status=parcel["sub_status"],
        picked_up_at=picked_up_at,
    )
    out: datetime | None = parcel["out_for_delivery_at"]
    estimate = model.predict(
        known,
        (as_of - picked_up_at).total_seconds(),
        out_for_delivery=None
        if out is None or not picked_up_at <= out <= as_of
        else (out - picked_up_at).total_seconds(),
    )
    if estimate is None:
        return None
    sees_sample = principal.role in _SAMPLE_ROLES or principal.partner_code == parcel["carrier_id"]
    low, high = model.band
    return {
        "most_likely": picked_up_at + timedelta(seconds=estimate.most_likely),
        "earliest": picked_up_at + timedelta(seconds=estimate.earliest),
        "latest": picked_up_at + timedelta(seconds=estimate.latest),
        "confidence": round(high - low, 4),
        "segment_level": estimate.level,
        "segment": list(estimate.features),
        "sample": estimate.sample if sees_sample else None,
        "model_as_of": _midnight(model.end_day),
        "as_of": as_of,
    }

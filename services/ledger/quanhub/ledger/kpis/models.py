"""The KPI report shape (GET /v1/kpis); the simulator produces the same shape as ground truth.

Field names are a contract: add fields, never rename or remove them.

Definitions (all dates are calendar days in China Standard Time, `from` and `to` inclusive):

- Parcel cohort: parcels whose first event (earliest `occurred_at` of any of its events)
  falls in the period. It feeds `e_waybill_share`, `recyclable_bag_share`,
  `exception_rate`, `return_rate` and `carrier_volumes`.
  - e-waybill: a parcel counts as electronic when any of its events says `e_waybill=true`,
    as paper when some event says `false` and none says `true`; parcels with no event
    carrying the flag are left out of the denominator.
  - recyclable bag: a parcel counts as recyclable when any event reports
    `TRANSIT_BAG_RECYCLABLE`; parcels with no event reporting a bag are left out.
  - exception: the parcel ever had an `EXCEPTION` or `ATTEMPT_FAILED` event.
  - return: the parcel ever had a `RETURNING` or `RETURNED` event.
- Delivery cohort: parcels whose delivery time (earliest `DELIVERED` event) falls in the
  period. It feeds `smart_locker_share` (delivery point of the parcel's latest event that
  names one is `SMART_LOCKER`; parcels with no delivery point are left out) and
  `pickup_to_delivery` (hours from the earliest `PICKED_UP` event to the delivery time, for
  delivered parcels that have a pickup event).
- Customs: a declaration is one customs document (declarant, document, copNo). The
  declared cohort (first event of the declaration in the period) feeds
  `customs_rejection` (share of declarations with any receipt in the cohort that were ever
  rejected, status 100, and the most frequent `return_info` texts of those rejections, each
  reason counted once per declaration). The release cohort (earliest `RELEASED` receipt,
  by `return_time`, in the period) of inventory documents feeds `customs_clearance`: hours
  from the declaration's first event to that release, by trade mode.
- `district`: a six-digit code or a prefix of one ("3701" is all of Jinan). A parcel's
  district is the latest non-empty `district_code` among its events; a declaration's is its
  consignee's. With a district filter, objects without a district are left out.
- `events` on every figure: how many ledger events (distinct canonical events) of the
  objects in its denominator it rests on. A figure without data has `status="no_data"` and
  `null` values, never 0%.
- `sample` on every share and distribution: the objects it is over; `sufficient` is false
  below 30 of them (quanhub.ledger.kpis.percentiles.MIN_SAMPLE), and such a share gives no
  verdict on its target (`meets_target` null). Percentiles: see Distribution.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

FigureStatus = Literal["ok", "no_data"]


class Period(BaseModel):
    """The window a report covers."""

    from_date: date
    to_date: date
    days: int
    district: str | None
    timezone: str = "Asia/Shanghai"


class ShareFigure(BaseModel):
    """A share of a cohort, e.g. parcels with an electronic waybill."""

    numerator: int
    denominator: int
    #: numerator / denominator in 0..1; null when the denominator is 0.
    share: float | None
    #: The plan's target share, when it sets one.
    target: float | None = None
    #: Whether `share` reaches `target`; null without target or data, and below the
    #: minimum sample (a share of 4 parcels says nothing about a target).
    meets_target: bool | None = None
    events: int
    status: FigureStatus
    #: The objects the share is over (its denominator).
    sample: int = 0
    #: False below the minimum sample (quanhub.ledger.kpis.percentiles.MIN_SAMPLE, 30):
    #: the share is shown as too little data, not as a measure.
    sufficient: bool = False


class CarrierVolume(BaseModel):
    """Parcels one carrier handled in the period, scaled to a year."""

    carrier_id: str
    parcels: int
    #: parcels * 365 / period days.
    parcels_per_year: float
    meets_target: bool
    events: int


class CarrierVolumes(BaseModel):
    """Parcels per carrier per year against the plan's 10-million mark."""

    target_per_year: int = 10_000_000
    #: The plan wants 9-12 express firms above the mark.
    target_carriers: str = "9-12"
    carriers_meeting_target: int
    carriers: list[CarrierVolume]
    events: int
    status: FigureStatus


class Bucket(BaseModel):
    """Durations in [lower_hours, upper_hours); upper null means open-ended."""

    lower_hours: int
    upper_hours: int | None
    count: int


class Distribution(BaseModel):
    """A distribution of durations in hours."""

    count: int
    mean_hours: float | None
    #: Nearest-rank percentiles from the fine histogram, stated as the middle of the fine
    #: bucket they fall in (10-minute buckets below 72 h, hourly to 360 h, then 360 h):
    #: within 5 minutes of the true value below 72 h. Null without data.
    p50_hours: float | None
    p90_hours: float | None
    buckets: list[Bucket]
    events: int
    status: FigureStatus
    p99_hours: float | None = None
    #: The durations measured (`count`).
    sample: int = 0
    #: False below the minimum sample (30): too little data to read as a measure.
    sufficient: bool = False


class DeliveryTimeGroup(BaseModel):
    """Pickup-to-delivery times of one district and carrier ("" when unknown)."""

    district_code: str
    carrier_id: str
    distribution: Distribution


class PickupToDelivery(BaseModel):
    """Pickup-to-delivery time, overall and by district and carrier."""

    overall: Distribution
    groups: list[DeliveryTimeGroup]


class ClearanceGroup(BaseModel):
    """Declared-to-released times of one trade mode (9610, 1210, ...)."""

    trade_mode: str
    distribution: Distribution


class CustomsClearance(BaseModel):
    """Customs clearance time, declared to released, overall and by trade mode."""

    overall: Distribution
    by_trade_mode: list[ClearanceGroup]


class ReasonCount(BaseModel):
    """A rejection reason (the receipt's return_info) and how many declarations it hit."""

    reason: str
    declarations: int


class CustomsRejection(BaseModel):
    """Share of declarations rejected by customs, with the most frequent reasons."""

    rate: ShareFigure
    top_reasons: list[ReasonCount] = Field(default_factory=list)


class KpiReport(BaseModel):
    """Every indicator for one period (and optionally one district)."""

    period: Period
    e_waybill_share: ShareFigure
    recyclable_bag_share: ShareFigure
    smart_locker_share: ShareFigure
    exception_rate: ShareFigure
    return_rate: ShareFigure
    carrier_volumes: CarrierVolumes
    pickup_to_delivery: PickupToDelivery
    customs_clearance: CustomsClearance
    customs_rejection: CustomsRejection


#: The plan's targets (Jinan 2019 e-commerce and express plan, for 2022).
E_WAYBILL_TARGET = 0.99
RECYCLABLE_BAG_TARGET = 0.70
SMART_LOCKER_TARGET = 0.10
CARRIER_VOLUME_TARGET = 10_000_000

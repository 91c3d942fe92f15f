"""A parcel's way through the network: first mile, line haul, last mile, with its mishaps.

Times are drawn from plausible ranges (hours), scaled by the carrier's speed; deliveries
happen in daytime China Standard Time. Pure: a random.Random in, scans out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from quanhub.simulator.catalog import DISTRICT_NAMES, JINAN_HUB, Carrier
from quanhub.simulator.config import Mix
from quanhub.simulator.milestones import Milestone
from quanhub.simulator.model import Parcel

_CST = timedelta(hours=8)
_JINAN_HUB_DISTRICT = "370112"
_OVERSEAS_HUBS = (
    "东京国际转运中心",
    "悉尼国际转运中心",
    "法兰克福国际转运中心",
    "洛杉矶国际转运中心",
)
_TRANSIT_EXCEPTIONS = (Milestone.DAMAGED, Milestone.HELD, Milestone.ADDRESS_PROBLEM)


def hours(value: float) -> timedelta:
    """A duration of `value` hours."""
    return timedelta(hours=value)


@dataclass(frozen=True, slots=True)
class Leg:
    """One scan of the journey: what, when, where; `at_point` marks hand-over scans."""

    milestone: Milestone
    at: datetime
    location: str
    district_code: str
    at_point: bool = False


@dataclass(slots=True)
class Journey:
    """The scans so far and the clock of the parcel."""

    carrier: Carrier
    rng: random.Random
    t: datetime
    legs: list[Leg] = field(default_factory=list)

    def wait(self, low: float, high: float) -> None:
        """Let between `low` and `high` hours pass, scaled by the carrier's speed."""
        self.t += hours(self.rng.uniform(low, high) * self.carrier.speed)

    def scan(self, milestone: Milestone, location: str, district: str, point: bool = False) -> None:
        """Record a scan now."""
        self.legs.append(Leg(milestone, self.t, location, district, point))

    def next_delivery_round(self) -> None:
        """Move to the next delivery round: soon in working hours, else the next morning."""
        local = self.t + _CST
        if 7 <= local.hour < 17:
            self.wait(0.3, 1.5)
            return
        days = 1 if local.hour >= 17 else 0
        morning = local.replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=days)
        self.t = morning - _CST + hours(self.rng.uniform(0.0, 2.0))


def first_mile(journey: Journey, hub: str, district: str, line_haul_hours: float) -> None:
    """Pickup at the origin and the trip to Jinan's sorting centre."""
    journey.scan(Milestone.PICKED_UP, f"{hub}揽收网点", district)
    if line_haul_hours <= 0:
        journey.wait(1, 4)
        journey.scan(Milestone.ARRIVED_AT_HUB, JINAN_HUB, _JINAN_HUB_DISTRICT)
        return
    journey.wait(2, 6)
    journey.scan(Milestone.DEPARTED_HUB, hub, district)
    journey.wait(0.2, 1)
    journey.scan(Milestone.LINE_HAUL, f"{hub}-{JINAN_HUB}干线", district)
    journey.wait(line_haul_hours * 0.85, line_haul_hours * 1.4)
    journey.scan(Milestone.ARRIVED_AT_HUB, JINAN_HUB, _JINAN_HUB_DISTRICT)


def overseas_first_mile(journey: Journey) -> None:
    """Pickup abroad and the international leg to the Jinan gateway (9610 direct imports)."""
    hub = journey.rng.choice(_OVERSEAS_HUBS)
    journey.scan(Milestone.PICKED_UP, hub, "")
    journey.wait(4, 12)
    journey.scan(Milestone.DEPARTED_HUB, hub, "")
    journey.wait(0.5, 2)
    journey.scan(Milestone.LINE_HAUL, f"{hub}-济南国际航空干线", "")
    journey.wait(30, 90)


def last_mile(journey: Journey, mix: Mix, parcel: Parcel, proxy: bool) -> bool:
    """From Jinan's sorting centre to the consignee; False when the parcel goes back instead."""
    rng = journey.rng
    district, point, point_id = (
        parcel.district_code,
        parcel.delivery_point,
        parcel.delivery_point_id,
    )
    if rng.random() < mix.transit_exception:
        journey.wait(1, 4)
        journey.scan(rng.choice(_TRANSIT_EXCEPTIONS), JINAN_HUB, _JINAN_HUB_DISTRICT)
        journey.wait(12, 36)
    journey.wait(1, 4)
    journey.scan(Milestone.DEPARTED_HUB, JINAN_HUB, _JINAN_HUB_DISTRICT)
    station = f"济南{DISTRICT_NAMES[district]}营业部"
    journey.wait(1, 3)
    journey.scan(Milestone.ARRIVED_IN_DELIVERY_CITY, station, district)
    journey.next_delivery_round()
    journey.scan(Milestone.OUT_FOR_DELIVERY, station, district)
    if rng.random() < mix.attempt_failed:
        journey.wait(1, 5)
        journey.scan(Milestone.RECIPIENT_UNREACHABLE, station, district)
        journey.t += hours(12)
        journey.next_delivery_round()
        journey.scan(Milestone.OUT_FOR_DELIVERY, station, district)
    if rng.random() < mix.refused:
        journey.wait(0.5, 4)
        journey.scan(Milestone.REFUSED, station, district)
        journey.wait(0.5, 2)
        journey.scan(Milestone.RETURNING, station, district)
        return False
    journey.wait(0.3, 4)
    if point == "DOOR":
        milestone = Milestone.SIGNED_BY_PROXY if proxy else Milestone.SIGNED_BY_RECIPIENT
        journey.scan(milestone, station, district, point=True)
        return True
    place = point_id + ("智能快递柜" if point == "SMART_LOCKER" else "驿站")
    journey.scan(Milestone.IN_LOCKER_OR_STATION, place, district, point=True)
    journey.t += hours(min(rng.expovariate(1 / 8), 60))
    journey.scan(Milestone.COLLECTED_FROM_LOCKER_OR_STATION, place, district, point=True)
    return True


def return_to_sender(journey: Journey, hub: str, district: str) -> None:
    """The way back after a refusal, ending with the sender signing for it."""
    journey.wait(36, 96)
    journey.scan(Milestone.RETURN_SIGNED, hub, district)

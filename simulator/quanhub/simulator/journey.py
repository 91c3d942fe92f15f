"""A parcel's way through the network: first mile, line haul, last mile, with its mishaps.

Segment durations come from the delivery-time model (quanhub.simulator.timing), scaled by
the carrier's speed and the run's load; scans that fall in an injected incident's window
wait or slow down; deliberate stalls and losses are marked for the ground truth. Pure: a
random.Random in, scans out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from quanhub.simulator import timing
from quanhub.simulator.catalog import DISTRICT_NAMES, JINAN_HUB, Carrier
from quanhub.simulator.conditions import DRAIN_HOURS, Incident, IncidentMode, Load
from quanhub.simulator.config import Mix
from quanhub.simulator.milestones import Milestone
from quanhub.simulator.model import Parcel
from quanhub.simulator.timing import hours

__all__ = ["Journey", "Leg", "Outcome", "hours"]

_JINAN_HUB_DISTRICT = "370112"
_OVERSEAS_HUBS = (
    "东京国际转运中心",
    "悉尼国际转运中心",
    "法兰克福国际转运中心",
    "洛杉矶国际转运中心",
)
_TRANSIT_EXCEPTIONS = (Milestone.DAMAGED, Milestone.HELD, Milestone.ADDRESS_PROBLEM)


class Outcome(Enum):
    """How a parcel's last mile ended."""

    DELIVERED = "delivered"
    REFUSED = "refused"
    LOST = "lost"


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
    """The scans so far and the clock of the parcel, under the run's load and incidents.

    `held` collects the indices of the incidents that held one of its scans; `marks` the
    deliberate troubles (reason, since, until) for the ground truth.
    """

    carrier: Carrier
    rng: random.Random
    t: datetime
    load: Load = field(default_factory=Load)
    incidents: tuple[Incident, ...] = ()
    legs: list[Leg] = field(default_factory=list)
    held: set[int] = field(default_factory=set)
    marks: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)
    last_at: datetime | None = None
    stalled_since: tuple[str, datetime] | None = None

    def wait(self, low: float, high: float) -> None:
        """Let between `low` and `high` hours pass, scaled by carrier speed and load."""
        factor = self.carrier.speed * self.load.stretch
        self.t += hours(self.rng.uniform(low, high) * factor)

    def segment(self, name: str, base_hours: float = 1.0) -> None:
        """Let segment `name` of the delivery-time model pass."""
        self.t += timing.draw(
            self.rng,
            name,
            at=self.t,
            speed=self.carrier.speed,
            stretch=self.load.stretch,
            base_hours=base_hours,
        )

    def scan(self, milestone: Milestone, location: str, district: str, point: bool = False) -> None:
        """Record a scan now, or when an incident in `district` lets it happen."""
        if self.incidents and milestone is not Milestone.ORDER_PLACED:
            self._through_incidents(district)
        self.legs.append(Leg(milestone, self.t, location, district, point))
        if self.stalled_since is not None:
            reason, since = self.stalled_since
            self.marks.append((reason, since, self.t))
            self.stalled_since = None
        self.last_at = self.t

    def stall(self, reason: str, span: tuple[float, float] | None = None) -> None:
        """No scan for a while (hours drawn from `span`, or as long as something else
        keeps the parcel, such as its stuck declaration): a deliberate trouble, marked
        from the last scan to the next."""
        self.stalled_since = (reason, self.last_at or self.t)
        if span is not None:
            self.t += hours(self.rng.uniform(*span))

    def lose(self) -> None:
        """No scan ever again after the last one."""
        self.marks.append(("lost", self.last_at or self.t, None))

    def _through_incidents(self, district: str) -> None:
        """Move the clock past (stop) or through (slow) each incident covering this scan."""
        for index, incident in enumerate(self.incidents):
            if not incident.covers(self.carrier.partner, district, self.t):
                continue
            self.held.add(index)
            if incident.mode is IncidentMode.STOP:
                self.t = incident.end + hours(self.rng.uniform(0.0, DRAIN_HOURS))
                continue
            entered = max(incident.start, self.last_at or incident.start)
            work = self.t - entered
            capacity = (incident.end - entered) / incident.factor
            self.t = (
                entered + work * incident.factor
                if work <= capacity
                else incident.end + (work - capacity)
            )

    def next_delivery_round(self, district: str) -> None:
        """Move to the district's next delivery round."""
        self.t = timing.next_round(self.rng, self.t, district)


def first_mile(journey: Journey, hub: str, district: str, line_haul_hours: float) -> None:
    """Pickup at the origin and the trip to Jinan's sorting centre: local parcels go straight
    there; others wait at their origin's sorting centre for the next line-haul departure."""
    journey.scan(Milestone.PICKED_UP, f"{hub}揽收网点", district)
    if line_haul_hours <= 0:
        journey.segment("local_first_mile")
        journey.scan(Milestone.ARRIVED_AT_HUB, JINAN_HUB, _JINAN_HUB_DISTRICT)
        return
    journey.segment("first_mile")
    journey.t = timing.next_departure(journey.rng, journey.t)
    journey.scan(Milestone.DEPARTED_HUB, hub, district)
    journey.segment("loading")
    journey.scan(Milestone.LINE_HAUL, f"{hub}-{JINAN_HUB}干线", district)
    journey.segment("line_haul", line_haul_hours)
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


def _trouble(journey: Journey, mix: Mix) -> tuple[str, int]:
    """Whether the parcel is lost or stalls in Jinan, and before which of the next three
    scans (departure from the hub, arrival at the station, out for delivery)."""
    draw = journey.rng.random()
    if draw < mix.lost:
        return "lost", journey.rng.randrange(3)
    if draw < mix.lost + mix.stalled:
        return "stalled", journey.rng.randrange(3)
    return "", -1


def _checkpoint(journey: Journey, trouble: tuple[str, int], stage: int) -> bool:
    """Apply the trouble planned for `stage`; False when the parcel is lost there."""
    reason, at_stage = trouble
    if stage != at_stage:
        return True
    if reason == "lost":
        journey.lose()
        return False
    journey.stall(reason, timing.STALL_HOURS)
    return True


def last_mile(journey: Journey, mix: Mix, parcel: Parcel, proxy: bool) -> Outcome:
    """From Jinan's sorting centre to the consignee (or back, or nowhere)."""
    rng = journey.rng
    district, point, point_id = (
        parcel.district_code,
        parcel.delivery_point,
        parcel.delivery_point_id,
    )
    trouble = _trouble(journey, mix)
    if rng.random() < mix.transit_exception:
        journey.wait(1, 4)
        journey.scan(rng.choice(_TRANSIT_EXCEPTIONS), JINAN_HUB, _JINAN_HUB_DISTRICT)
        journey.wait(12, 36)
    if not _checkpoint(journey, trouble, 0):
        return Outcome.LOST
    journey.segment("hub_sort")
    journey.scan(Milestone.DEPARTED_HUB, JINAN_HUB, _JINAN_HUB_DISTRICT)
    station = f"济南{DISTRICT_NAMES[district]}营业部"
    if not _checkpoint(journey, trouble, 1):
        return Outcome.LOST
    to_station = timing.SEGMENTS["to_station"].median_hours
    extra = timing.DISTRICT_EXTRA_HOURS.get(district, 0.0)
    journey.segment("to_station", (to_station + extra) / to_station)  # median plus the extra
    journey.scan(Milestone.ARRIVED_IN_DELIVERY_CITY, station, district)
    if not _checkpoint(journey, trouble, 2):
        return Outcome.LOST
    journey.next_delivery_round(district)
    journey.scan(Milestone.OUT_FOR_DELIVERY, station, district)
    if rng.random() < mix.attempt_failed:
        journey.wait(1, 5)
        journey.scan(Milestone.RECIPIENT_UNREACHABLE, station, district)
        journey.t += hours(12)
        journey.next_delivery_round(district)
        journey.scan(Milestone.OUT_FOR_DELIVERY, station, district)
    if rng.random() < mix.refused:
        journey.wait(0.5, 4)
        journey.scan(Milestone.REFUSED, station, district)
        journey.wait(0.5, 2)
        journey.scan(Milestone.RETURNING, station, district)
        return Outcome.REFUSED
    if point == "DOOR":
        journey.segment("door")
        milestone = Milestone.SIGNED_BY_PROXY if proxy else Milestone.SIGNED_BY_RECIPIENT
        journey.scan(milestone, station, district, point=True)
        return Outcome.DELIVERED
    locker = point == "SMART_LOCKER"
    journey.segment("locker_drop" if locker else "station_drop")
    place = point_id + ("智能快递柜" if locker else "驿站")
    journey.scan(Milestone.IN_LOCKER_OR_STATION, place, district, point=True)
    if rng.random() < mix.uncollected:
        journey.stall("uncollected", timing.UNCOLLECTED_HOURS)
    else:
        journey.segment("locker_collect" if locker else "station_collect")
    journey.scan(Milestone.COLLECTED_FROM_LOCKER_OR_STATION, place, district, point=True)
    return Outcome.DELIVERED


def return_to_sender(journey: Journey, hub: str, district: str) -> None:
    """The way back after a refusal, ending with the sender signing for it."""
    journey.wait(36, 96)
    journey.scan(Milestone.RETURN_SIGNED, hub, district)

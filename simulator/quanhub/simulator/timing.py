"""The delivery-time model: every parameter in one table, and the draws that read it.

A domestic parcel's time from pickup to delivery is a chain of segments (first mile, the
wait for a line-haul departure, the line haul, sorting in Jinan, the trip to the district
station, the wait for a delivery round, the hand-over, and for lockers and stations the
consignee's collection). Each segment is log-normal around its median (spread `sigma`,
clipped at three sigmas) with a small share of heavy-tailed draws, scaled by the carrier's
speed, the run's load and a Sunday factor. docs/simulator.md prints the table. Pure.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

#: China Standard Time, in which pickups, departures and delivery rounds are scheduled.
CST = timedelta(hours=8)


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a parcel's way: its median and how it spreads."""

    #: Median hours (for the line haul: a multiplier on the origin's line-haul hours).
    median_hours: float
    #: Log-normal spread: a draw is median * exp(sigma * z), z standard normal within ±3.
    sigma: float
    #: Share of draws that hit a heavy tail, and the multiplier range of such a draw.
    tail_share: float = 0.0
    tail: tuple[float, float] = (1.0, 1.0)
    #: The network's own work: scaled by carrier speed, load stretch and the Sunday factor
    #: (False for the consignee's collection from a locker or station).
    network: bool = True
    #: Upper bound in hours (0: none), so a longer wait is always a deliberate stall.
    cap_hours: float = 0.0


#: The segments of a domestic parcel's way, by name.
SEGMENTS: dict[str, Segment] = {
    # Pickup point to the origin city's sorting centre, ready for a line haul.
    "first_mile": Segment(2.5, 0.35, 0.02, (1.5, 2.5)),
    # Pickup in Jinan (or leaving the bonded zone) straight to Jinan's sorting centre.
    "local_first_mile": Segment(2.0, 0.4, 0.02, (1.5, 2.5)),
    # Departure scan to the line-haul scan: loading the truck.
    "loading": Segment(0.5, 0.3),
    # The line haul itself, as a multiple of the origin's line-haul hours (catalog.ORIGINS).
    "line_haul": Segment(1.0, 0.12, 0.01, (1.2, 1.5)),
    # Arrival at Jinan's sorting centre to departure towards the district.
    "hub_sort": Segment(3.0, 0.45, 0.03, (1.5, 3.0)),
    # Jinan's sorting centre to the district station (plus DISTRICT_EXTRA_HOURS).
    "to_station": Segment(1.5, 0.35),
    # Out for delivery to signed at the door.
    "door": Segment(1.8, 0.55, 0.02, (1.5, 2.5)),
    # Out for delivery to put in a smart locker, or handed to a station.
    "locker_drop": Segment(1.2, 0.5),
    "station_drop": Segment(0.8, 0.5),
    # The consignee collects: not the network's doing, and always within 48 h unless the
    # parcel is deliberately left uncollected (Mix.uncollected).
    "locker_collect": Segment(4.0, 0.9, network=False, cap_hours=40.0),
    "station_collect": Segment(7.0, 0.8, network=False, cap_hours=44.0),
}

#: Extra hours from Jinan's sorting centre to each district's station (outer districts and
#: counties are further away); unlisted districts add nothing.
DISTRICT_EXTRA_HOURS: dict[str, float] = {
    "370113": 1.0,
    "370114": 1.5,
    "370115": 1.2,
    "370116": 2.5,
    "370117": 3.0,
    "370124": 2.5,
    "370126": 3.0,
}
#: Districts served by a morning and an early-afternoon round only.
RURAL_DISTRICTS = frozenset({"370116", "370117", "370124", "370126"})
#: Delivery rounds start from this hour (CST) and none starts after the last hour.
ROUNDS_FROM_HOUR = 8
ROUNDS_UNTIL_HOUR = 17
RURAL_ROUNDS_UNTIL_HOUR = 14
#: On Sundays rounds start an hour later and end an hour earlier.
SUNDAY_ROUND_SHIFT = 1
#: Minutes between arrival at a station and the next round, within round hours.
ROUND_WAIT_MINUTES = (20.0, 90.0)
#: Network segments that start on a Sunday (CST) take this much longer.
SUNDAY_FACTOR = 1.3
#: Line hauls leave each origin sorting centre at these hours (CST); a parcel must be
#: ready this many minutes before, so an evening pickup waits for the next day's truck.
DEPARTURE_HOURS = (12, 22)
DEPARTURE_CUTOFF_MINUTES = 30.0
#: Couriers pick up between these hours (CST); a paid order waits for the next pickup.
PICKUP_HOURS = (8, 21)
#: A deliberate stall: hours with no scan, well beyond any segment's clipped tail.
STALL_HOURS = (96.0, 192.0)
#: A deliberately uncollected locker or station parcel is collected after these hours.
UNCOLLECTED_HOURS = (52.0, 120.0)
#: A deliberately stuck declaration waits these hours in one customs state.
CUSTOMS_STUCK_HOURS = (72.0, 144.0)


def hours(value: float) -> timedelta:
    """A duration of `value` hours."""
    return timedelta(hours=value)


def is_sunday(at: datetime) -> bool:
    """True when `at` falls on a Sunday in China Standard Time."""
    return (at + CST).weekday() == 6


def draw(
    rng: random.Random,
    name: str,
    *,
    at: datetime,
    speed: float = 1.0,
    stretch: float = 1.0,
    base_hours: float = 1.0,
) -> timedelta:
    """How long segment `name` takes when it starts at `at`."""
    segment = SEGMENTS[name]
    z = max(-3.0, min(3.0, rng.gauss(0.0, 1.0)))
    value = segment.median_hours * base_hours * math.exp(segment.sigma * z)
    if segment.tail_share and rng.random() < segment.tail_share:
        value *= rng.uniform(*segment.tail)
    if segment.network:
        value *= speed * stretch * (SUNDAY_FACTOR if is_sunday(at) else 1.0)
    if segment.cap_hours:
        value = min(value, segment.cap_hours)
    return hours(value)


def _local_midnight(at: datetime) -> datetime:
    local = at + CST
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - CST


def pickup_time(rng: random.Random, ready: datetime) -> datetime:
    """When a courier picks up a parcel ready at `ready`: then, or in the next pickup hours."""
    first, last = PICKUP_HOURS
    hour = (ready + CST).hour
    if first <= hour < last:
        return ready
    day = _local_midnight(ready) + timedelta(days=1 if hour >= last else 0)
    return day + hours(first + rng.uniform(0.0, 2.0))


def next_departure(rng: random.Random, ready: datetime) -> datetime:
    """The first line-haul departure a parcel ready at `ready` can still catch."""
    earliest = ready + timedelta(minutes=DEPARTURE_CUTOFF_MINUTES)
    midnight = _local_midnight(ready)
    for day in (0, 1, 2):
        for hour in DEPARTURE_HOURS:
            departure = midnight + timedelta(days=day, hours=hour)
            if departure >= earliest:
                return departure + timedelta(minutes=rng.uniform(0.0, 20.0))
    msg = "no departure within two days"  # unreachable: departures run daily
    raise AssertionError(msg)


def _round_hours(day: datetime, district: str) -> tuple[int, int]:
    last = RURAL_ROUNDS_UNTIL_HOUR if district in RURAL_DISTRICTS else ROUNDS_UNTIL_HOUR
    if is_sunday(day):
        return ROUNDS_FROM_HOUR + SUNDAY_ROUND_SHIFT, last - SUNDAY_ROUND_SHIFT
    return ROUNDS_FROM_HOUR, last


def next_round(rng: random.Random, arrived: datetime, district: str) -> datetime:
    """When a parcel that reached `district`'s station at `arrived` goes out for delivery."""
    first, last = _round_hours(arrived, district)
    hour = (arrived + CST).hour
    if first <= hour < last:
        return arrived + timedelta(minutes=rng.uniform(*ROUND_WAIT_MINUTES))
    day = _local_midnight(arrived) + timedelta(days=1 if hour >= last else 0)
    first, _ = _round_hours(day + hours(12), district)
    return day + hours(first + rng.uniform(0.0, 2.0))

"""Scan traffic for the incident tests: SF, ZTO and YTO scanning parcels in Jinan's
sorting centre (370112) every 10 minutes from 00:00 to 06:00 UTC, with SF's scans in a
stop held back (or only those, to send them late)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb

START = datetime(2026, 11, 1, tzinfo=UTC)
DAY8 = START + timedelta(days=7)
#: SF's stop: the 8th day from 02:00 to 04:00 UTC.
STOP = (DAY8 + timedelta(hours=2), DAY8 + timedelta(hours=4))
NOW = START + timedelta(days=9)
PER_WINDOW = 9  # 324 scans a day: a watched flow (300)
CARRIERS = ("SF", "ZTO", "YTO")


def scans(
    days: range,
    *,
    stop: tuple[datetime, datetime] = STOP,
    late: bool = False,
    per_window: Callable[[int], int] = lambda day: PER_WINDOW,
    prefix: str = "",
    spacing: timedelta = timedelta(minutes=1),
) -> list[cpb.CanonicalEvent]:
    """Each carrier scans `per_window(day)` parcels a window, `spacing` apart, on `days`
    (counted from START). SF's scans inside `stop` are left out, or with `late` they
    are the only ones (the stop's scans received late)."""
    events = []
    for day in days:
        for window in range(36):
            at = START + timedelta(days=day, minutes=10 * window)
            for carrier in CARRIERS:
                in_stop = carrier == "SF" and stop[0] <= at < stop[1]
                if in_stop != late:
                    continue
                for i in range(per_window(day)):
                    waybill = f"{prefix}{carrier}{day:02d}{window:02d}{i:02d}"
                    events.append(
                        parcel_event(
                            f"{waybill}-s",
                            carrier_id=carrier,
                            waybill_no=waybill,
                            status="IN_TRANSIT",
                            occurred_at=at + i * spacing,
                            district_code="370112",
                        )
                    )
    return events

"""The EDD segment's pickup keys: one rule for the rollup's SQL and the model's Python.

kpi_edd_hist (migration 0030, kept by the projector as store/rollups.py's last rollup)
counts delivered parcels by delivery day (CST), carrier, origin and destination district,
delivery point, pickup weekday and pickup hour band, and fine bucket of pickup -> first
delivered. Weekday and hour band are read in CST, here and in SQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: Width of a pickup hour band in hours of the CST day: band 3 is 09:00-11:59.
HOUR_BAND_HOURS = 3
#: China Standard Time, in which pickup weekdays and hours are read.
CST = timedelta(hours=8)
EDD_TABLE = "kpi_edd_hist"

_PICKUP_CST = "(p.picked_up_at AT TIME ZONE 'Asia/Shanghai')"
#: The segment keys of the parcels row `p` beside carrier_id, origin_district,
#: district_code and delivery_point (columns of the same names).
PICKUP_KEYS_SQL: dict[str, str] = {
    # ISO day of week 1..7 -> 0 (Monday) .. 6 (Sunday), as Python's weekday().
    "weekday": f"(extract(isodow FROM {_PICKUP_CST})::int - 1)::smallint",
    "hour_band": f"(extract(hour FROM {_PICKUP_CST})::int / {HOUR_BAND_HOURS})::smallint",
}


def pickup_keys(picked_up_at: datetime) -> tuple[int, int]:
    """(weekday 0 = Monday, hour band) of a pickup in CST, as PICKUP_KEYS_SQL reads them."""
    local = picked_up_at.astimezone(UTC) + CST
    return local.weekday(), local.hour // HOUR_BAND_HOURS

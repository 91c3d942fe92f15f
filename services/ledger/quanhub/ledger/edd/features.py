"""What the hub knows of a parcel's segment at a moment, from its state then. Pure.

The carrier, the origin (district of the pickup scan) and the pickup's weekday and hour
are known from pickup on. The parcel's latest district is its destination only once the
last mile has begun (before, it is a hub's or the origin's); the delivery point is known
once a scan names one. Unknown features are summed over by the model.
"""

from __future__ import annotations

from datetime import datetime

from quanhub.ledger.edd.model import Known
from quanhub.ledger.edd.rollup import pickup_keys

#: Statuses of the last mile: the latest district is the destination's.
LAST_MILE_STATUSES = frozenset(
    {"OUT_FOR_DELIVERY", "ATTEMPT_FAILED", "AVAILABLE_FOR_PICKUP", "DELIVERED"}
)
LAST_MILE_SUB_STATUSES = frozenset({"ARRIVED_IN_DELIVERY_CITY"})
#: Statuses after which no delivery is predicted: delivered, or going back to the sender.
SETTLED_STATUSES = frozenset({"DELIVERED", "RETURNING", "RETURNED"})


def known_segment(
    *,
    carrier_id: str,
    origin_district: str,
    district_code: str,
    delivery_point: str,
    status: str,
    sub_status: str,
    picked_up_at: datetime,
) -> Known:
    """The segment's features in FEATURES order, None where not known yet."""
    weekday, band = pickup_keys(picked_up_at)
    last_mile = status in LAST_MILE_STATUSES or sub_status in LAST_MILE_SUB_STATUSES
    return (
        carrier_id,
        origin_district,
        district_code if last_mile else None,
        delivery_point or None,
        weekday,
        band,
    )

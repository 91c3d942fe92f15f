"""Yunda (韵达) open-platform track action codes.

Source: Yunda open platform track query / push API (`action` of each trace), codes GOT,
ARRIVAL, DEPARTURE, SENT, INBOUND, SIGNED, SIGNFAIL, RETURN, ISSUE, REJECTION, TRANSFER and
the CLEARANCE_* family, as listed in ../shared/reference/tracking.md "Carrier codes" and
issue 3. Meanings are Yunda's action names; the canonical choice per row is the hub's.
"""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import ParcelCode, PointHint

SOURCE = "Yunda open platform track API, action codes (reference/tracking.md)"

S = cpb.ParcelStatus
X = cpb.ParcelSubStatus

TABLE: dict[str, ParcelCode] = {
    "GOT": ParcelCode(S.PARCEL_STATUS_PICKED_UP, meaning="揽件 picked up"),
    "ARRIVAL": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_ARRIVED_AT_HUB, meaning="到件 arrived"
    ),
    "DEPARTURE": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_DEPARTED_HUB, meaning="发件 departed"
    ),
    "SENT": ParcelCode(S.PARCEL_STATUS_OUT_FOR_DELIVERY, meaning="派件 out for delivery"),
    "INBOUND": ParcelCode(
        S.PARCEL_STATUS_AVAILABLE_FOR_PICKUP,
        X.PARCEL_SUB_STATUS_IN_LOCKER_OR_STATION,
        PointHint.LOCKER_OR_STATION,
        meaning="入库 placed in locker or station",
    ),
    "SIGNED": ParcelCode(S.PARCEL_STATUS_DELIVERED, meaning="签收 signed"),
    "SIGNFAIL": ParcelCode(
        S.PARCEL_STATUS_ATTEMPT_FAILED,
        X.PARCEL_SUB_STATUS_DELIVERY_EXCEPTION,
        meaning="签收失败 delivery failed",
    ),
    "RETURN": ParcelCode(S.PARCEL_STATUS_RETURNING, meaning="退回 returning to sender"),
    "ISSUE": ParcelCode(S.PARCEL_STATUS_EXCEPTION, meaning="问题件 problem parcel"),
    "REJECTION": ParcelCode(
        S.PARCEL_STATUS_EXCEPTION, X.PARCEL_SUB_STATUS_REFUSED, meaning="拒收 refused"
    ),
    "TRANSFER": ParcelCode(
        S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_FORWARDED, meaning="转件 forwarded"
    ),
}

#: CLEARANCE_<suffix>: the suffix's meaning, by keyword; any other suffix is "clearing".
CLEARANCE_DONE = ("SUCCESS", "FINISH", "DONE", "COMPLETE", "RELEASE", "CLEARED")
CLEARANCE_FAILED = ("FAIL", "ERROR", "EXCEPTION", "HOLD", "DETAIN", "ABNORMAL")
CLEARANCE_CLEARING = ParcelCode(
    S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARING, meaning="清关中 clearing"
)
CLEARANCE_CLEARED = ParcelCode(
    S.PARCEL_STATUS_IN_TRANSIT, X.PARCEL_SUB_STATUS_CUSTOMS_CLEARED, meaning="清关完成 cleared"
)
CLEARANCE_EXCEPTION = ParcelCode(
    S.PARCEL_STATUS_EXCEPTION,
    X.PARCEL_SUB_STATUS_CUSTOMS_EXCEPTION,
    meaning="清关异常 customs exception",
)

"""Where a parcel was handed over: the partner's explicit field, else what the code implies."""

from __future__ import annotations

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.normalizer.vocab.types import PointHint

__all__ = ["delivery_point"]

_LOCKER_WORDS = ("快递柜", "智能柜", "丰巢", "自提柜", "储物柜", "柜", "locker")
_STATION_WORDS = ("驿站", "代收点", "服务站", "服务点", "自提点", "快递超市", "站点", "station")
_LOCKER_SUBS = frozenset(
    {
        cpb.PARCEL_SUB_STATUS_IN_LOCKER_OR_STATION,
        cpb.PARCEL_SUB_STATUS_COLLECTED_FROM_LOCKER_OR_STATION,
        cpb.PARCEL_SUB_STATUS_NOT_COLLECTED_IN_TIME,
    }
)
_BY_HINT = {
    PointHint.DOOR: cpb.DELIVERY_POINT_DOOR,
    PointHint.LOCKER: cpb.DELIVERY_POINT_SMART_LOCKER,
    PointHint.STATION: cpb.DELIVERY_POINT_STATION,
}


def delivery_point(
    explicit: int,
    hint: PointHint,
    sub_status: cpb.ParcelSubStatus.ValueType,
    text: str,
) -> cpb.DeliveryPoint.ValueType:
    """The delivery point of one event.

    The partner's own `delivery_point` wins. Otherwise the code's hint decides; a "locker or
    station" code is resolved by words in the scan text (快递柜/丰巢 → locker, 驿站/代收点 →
    station) and stays UNSPECIFIED when the text does not say.
    """
    if explicit in (
        cpb.DELIVERY_POINT_DOOR,
        cpb.DELIVERY_POINT_SMART_LOCKER,
        cpb.DELIVERY_POINT_STATION,
    ):
        return cpb.DeliveryPoint.ValueType(explicit)
    if hint is PointHint.NONE and sub_status in _LOCKER_SUBS:
        hint = PointHint.LOCKER_OR_STATION
    if hint is PointHint.LOCKER_OR_STATION:
        lowered = text.lower()
        if any(word in lowered for word in _STATION_WORDS):
            return cpb.DELIVERY_POINT_STATION
        if any(word in lowered for word in _LOCKER_WORDS):
            return cpb.DELIVERY_POINT_SMART_LOCKER
        return cpb.DELIVERY_POINT_UNSPECIFIED
    return _BY_HINT.get(hint, cpb.DELIVERY_POINT_UNSPECIFIED)

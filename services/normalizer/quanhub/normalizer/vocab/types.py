"""The shapes a vocabulary maps a source code to (parcel, order) and the lookup signatures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from quanhub.canonical.v1 import canonical_pb2 as cpb

__all__ = ["OrderCode", "OrderLookup", "ParcelCode", "ParcelLookup", "PointHint"]


class PointHint(Enum):
    """What a code says about where the parcel was handed over."""

    NONE = "none"
    DOOR = "door"
    LOCKER = "locker"
    STATION = "station"
    #: "In a locker or at a station": the scan text decides which (see mapping.points).
    LOCKER_OR_STATION = "locker_or_station"


@dataclass(frozen=True, slots=True)
class ParcelCode:
    """One row of a parcel code table: canonical status, sub-status, delivery point hint."""

    status: cpb.ParcelStatus.ValueType
    sub_status: cpb.ParcelSubStatus.ValueType = cpb.PARCEL_SUB_STATUS_UNSPECIFIED
    point: PointHint = PointHint.NONE
    #: What the source code means, in the source's words (for docs and review).
    meaning: str = ""


@dataclass(frozen=True, slots=True)
class OrderCode:
    """One row of an order code table."""

    status: cpb.OrderStatus.ValueType
    meaning: str = ""


#: A parcel vocabulary: source code -> row, or None when the code is not in its table.
ParcelLookup = Callable[[str], ParcelCode | None]
#: An order vocabulary: source code -> row, or None when the code is not in its table.
OrderLookup = Callable[[str], OrderCode | None]

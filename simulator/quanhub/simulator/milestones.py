"""What can happen to a parcel or an order in a story, named by its canonical meaning."""

from __future__ import annotations

from enum import Enum


class Milestone(Enum):
    """A parcel scan, as (canonical status, canonical sub-status) the hub should derive."""

    ORDER_PLACED = ("INFO_RECEIVED", "ORDER_PLACED")
    PICKED_UP = ("PICKED_UP", "")
    DEPARTED_HUB = ("IN_TRANSIT", "DEPARTED_HUB")
    ARRIVED_AT_HUB = ("IN_TRANSIT", "ARRIVED_AT_HUB")
    LINE_HAUL = ("IN_TRANSIT", "LINE_HAUL")
    ARRIVED_IN_DELIVERY_CITY = ("IN_TRANSIT", "ARRIVED_IN_DELIVERY_CITY")
    HANDED_TO_CUSTOMS = ("IN_TRANSIT", "HANDED_TO_CUSTOMS")
    CUSTOMS_CLEARING = ("IN_TRANSIT", "CUSTOMS_CLEARING")
    CUSTOMS_CLEARED = ("IN_TRANSIT", "CUSTOMS_CLEARED")
    CUSTOMS_HOLD = ("EXCEPTION", "CUSTOMS_HOLD")
    OUT_FOR_DELIVERY = ("OUT_FOR_DELIVERY", "")
    IN_LOCKER_OR_STATION = ("AVAILABLE_FOR_PICKUP", "IN_LOCKER_OR_STATION")
    SIGNED_BY_RECIPIENT = ("DELIVERED", "SIGNED_BY_RECIPIENT")
    SIGNED_BY_PROXY = ("DELIVERED", "SIGNED_BY_PROXY")
    COLLECTED_FROM_LOCKER_OR_STATION = ("DELIVERED", "COLLECTED_FROM_LOCKER_OR_STATION")
    RECIPIENT_UNREACHABLE = ("ATTEMPT_FAILED", "RECIPIENT_UNREACHABLE")
    DAMAGED = ("EXCEPTION", "DAMAGED")
    HELD = ("EXCEPTION", "HELD")
    ADDRESS_PROBLEM = ("EXCEPTION", "ADDRESS_PROBLEM")
    REFUSED = ("RETURNING", "REFUSED")
    RETURNING = ("RETURNING", "")
    RETURN_SIGNED = ("RETURNED", "RETURN_SIGNED")

    @property
    def status(self) -> str:
        """The canonical ParcelStatus name (without the enum prefix)."""
        return self.value[0]

    @property
    def sub_status(self) -> str:
        """The canonical ParcelSubStatus name, or "" for none."""
        return self.value[1]


class OrderStep(Enum):
    """An order status change, named by the canonical OrderStatus it should map to."""

    CREATED = "CREATED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    RETURN_REQUESTED = "RETURN_REQUESTED"
    RETURNED = "RETURNED"
    REFUNDED = "REFUNDED"

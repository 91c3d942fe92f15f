"""The hub's own vocabulary (`code_system = "quanhub"`): canonical names pass through.

Parcels: "DELIVERED" or "DELIVERED/SIGNED_BY_PROXY" (status, optionally "/" sub-status).
Orders: "PAID". Names are the bare canonical names, any case; a name that is not canonical
is not in the table (UNKNOWN with the raw code kept, like any other vocabulary).
"""

from __future__ import annotations

from quanhub.common.canonical import ORDER_STATUS, PARCEL_STATUS, PARCEL_SUB_STATUS
from quanhub.normalizer.vocab.types import OrderCode, ParcelCode

__all__ = ["SOURCE", "order_lookup", "parcel_lookup"]

SOURCE = "proto/quanhub/canonical/v1/canonical.proto (canonical names)"


def parcel_lookup(code: str) -> ParcelCode | None:
    """`STATUS` or `STATUS/SUB_STATUS` in canonical names."""
    status_name, _, sub_name = code.partition("/")
    status = PARCEL_STATUS.value(status_name)
    if status is None or status == 0:
        return None
    if not sub_name.strip():
        return ParcelCode(status, meaning=code.strip().upper())
    sub_status = PARCEL_SUB_STATUS.value(sub_name)
    if sub_status is None or sub_status == 0:
        return None
    return ParcelCode(status, sub_status, meaning=code.strip().upper())


def order_lookup(code: str) -> OrderCode | None:
    """A canonical order status name."""
    status = ORDER_STATUS.value(code)
    if status is None or status == 0:
        return None
    return OrderCode(status, meaning=code.strip().upper())

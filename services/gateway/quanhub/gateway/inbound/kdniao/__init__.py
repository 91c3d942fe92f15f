"""Kdniao (快递鸟) track pushes (RequestType 101): verification and mapping to parcel events."""

from quanhub.gateway.inbound.kdniao.mapping import (
    CODE_SYSTEM,
    ItemRefused,
    Mapped,
    data_sign,
    parcel_events,
    verify_and_read,
)

__all__ = ["CODE_SYSTEM", "ItemRefused", "Mapped", "data_sign", "parcel_events", "verify_and_read"]

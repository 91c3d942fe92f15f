"""Kuaidi100 (快递100) subscription pushes: verification and mapping to parcel events."""

from quanhub.gateway.inbound.kuaidi100.mapping import (
    PushRefused,
    parcel_events,
    verify_and_read,
)

__all__ = ["PushRefused", "parcel_events", "verify_and_read"]

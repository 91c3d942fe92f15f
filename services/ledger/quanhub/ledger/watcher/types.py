"""The insight types the watcher writes: the ledger row's status, the feed's `type`."""

from __future__ import annotations

from enum import StrEnum

from quanhub.ledger.alerts.model import AlertKind


class InsightType(StrEnum):
    """What the hub concluded; the CloudEvents type is `dev.quanhub.<value>.v1`."""

    DELIVERY_PREDICTED = "parcel.delivery_predicted"
    STALLED = "parcel.stalled"
    STALLED_CLEARED = "parcel.stalled.cleared"
    UNCOLLECTED = "parcel.uncollected"
    UNCOLLECTED_CLEARED = "parcel.uncollected.cleared"
    CUSTOMS_STUCK = "customs.stuck"
    CUSTOMS_STUCK_CLEARED = "customs.stuck.cleared"
    INCIDENT_OPENED = "incident.opened"
    INCIDENT_CLOSED = "incident.closed"


#: An alert kind's raise and clear.
RAISED: dict[AlertKind, InsightType] = {
    AlertKind.STALLED: InsightType.STALLED,
    AlertKind.UNCOLLECTED: InsightType.UNCOLLECTED,
    AlertKind.CUSTOMS_STUCK: InsightType.CUSTOMS_STUCK,
}
CLEARED: dict[AlertKind, InsightType] = {
    AlertKind.STALLED: InsightType.STALLED_CLEARED,
    AlertKind.UNCOLLECTED: InsightType.UNCOLLECTED_CLEARED,
    AlertKind.CUSTOMS_STUCK: InsightType.CUSTOMS_STUCK_CLEARED,
}
#: The alert kind a raise or clear is about.
ALERT_OF: dict[InsightType, AlertKind] = {
    **{t: k for k, t in RAISED.items()},
    **{t: k for k, t in CLEARED.items()},
}

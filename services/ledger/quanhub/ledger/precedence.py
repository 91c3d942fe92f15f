"""Which event decides an object's current status: event time within a phase, phases forward.

Every event gets a (phase, rank) from its canonical status. The current status of an object
is the status of its event with the greatest key

    (phase, status_time, rank, event_id)

where `status_time` is the event time (`return_time` for customs receipts). So:

- status follows event time, not arrival: a late event with an older time never wins;
- phases only move forward: once a parcel is DELIVERED, a scan from the moving phase
  (IN_TRANSIT, ...) never takes its place even if the carrier stamped it later; only a
  later phase (a return) does;
- equal times are decided by rank (the further step of the same phase wins), then by the
  event id, so the answer never depends on arrival order and a rebuild gives the same
  result as live processing.

The key is a total order over a set of events, hence the same for any arrival order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Precedence:
    """Where a status stands: its phase (never moves back) and its rank within the phase."""

    phase: int
    rank: int


def _table(rows: dict[int, tuple[str, ...]]) -> dict[str, Precedence]:
    table: dict[str, Precedence] = {}
    for phase, names in rows.items():
        for rank, name in enumerate(names, start=1):
            table[name] = Precedence(phase, rank)
    return table


# Parcels: moving (0) < delivered (1) < coming back (2) < ended (3).
PARCEL: dict[str, Precedence] = _table(
    {
        0: (
            "UNSPECIFIED",
            "UNKNOWN",
            "INFO_RECEIVED",
            "PICKED_UP",
            "IN_TRANSIT",
            "EXCEPTION",
            "ATTEMPT_FAILED",
            "OUT_FOR_DELIVERY",
            "AVAILABLE_FOR_PICKUP",
        ),
        1: ("DELIVERED",),
        2: ("RETURNING",),
        3: ("RETURNED", "CANCELLED"),
    }
)

# Orders: open (0) < delivered (1) < completed (2) < return asked (3) < returned (4) < ended (5).
ORDER: dict[str, Precedence] = _table(
    {
        0: ("UNSPECIFIED", "UNKNOWN", "CREATED", "PAID", "SHIPPED"),
        1: ("DELIVERED",),
        2: ("COMPLETED",),
        3: ("RETURN_REQUESTED",),
        4: ("RETURNED",),
        5: ("REFUNDED", "CANCELLED"),
    }
)

# Customs: receipts follow return_time (a rejected declaration may be corrected and
# declared again under the same copNo, so REJECTED is not final); only CLOSED (899) is.
DECLARATION: dict[str, Precedence] = _table(
    {
        0: (
            "UNSPECIFIED",
            "UNKNOWN",
            "SUBMITTED",
            "STORED",
            "DECLARING",
            "SEND_FAILED",
            "ERROR",
            "SENT_TO_CUSTOMS",
            "REJECTED",
            "ACCEPTED",
            "MANUAL_REVIEW",
            "CONCLUDED",
            "REQUEST_APPROVED",
            "INSPECTION",
            "DETAINED",
            "RETURNED",
            "RELEASED",
        ),
        1: ("CLOSED",),
    }
)

# Insights (hub-authored, kind 'insight') are no status of their object: projections never
# read them, and every insight stands at (0, 0).
_TABLES: dict[str, dict[str, Precedence]] = {
    "parcel": PARCEL,
    "order": ORDER,
    "customs": DECLARATION,
    "insight": {},
}
_UNKNOWN = Precedence(0, 0)


def precedence(kind: str, status: str) -> Precedence:
    """The (phase, rank) of a bare status name for an event kind; (0, 0) if not listed."""
    return _TABLES[kind].get(status, _UNKNOWN)

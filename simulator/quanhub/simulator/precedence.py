"""Which status an object ends in, and what a customs return status means (ground truth).

Mirrors the hub's documented rules so the summary can say how many objects should end in
each status: the current status is that of the event with the greatest (phase, time, rank),
phases only moving forward (docs: quanhub.ledger.precedence); customs return statuses map
as ../shared/reference/customs.md lists them. The end-to-end test compares the counts.
"""

from __future__ import annotations

from datetime import datetime

_PHASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "parcel": (
        ("UNKNOWN", "INFO_RECEIVED", "PICKED_UP", "IN_TRANSIT", "EXCEPTION", "ATTEMPT_FAILED",
         "OUT_FOR_DELIVERY", "AVAILABLE_FOR_PICKUP"),
        ("DELIVERED",),
        ("RETURNING",),
        ("RETURNED", "CANCELLED"),
    ),
    "order": (
        ("UNKNOWN", "CREATED", "PAID", "SHIPPED"),
        ("DELIVERED",),
        ("COMPLETED",),
        ("RETURN_REQUESTED",),
        ("RETURNED",),
        ("REFUNDED", "CANCELLED"),
    ),
    "customs": (
        ("UNKNOWN", "SUBMITTED", "STORED", "DECLARING", "SEND_FAILED", "ERROR",
         "SENT_TO_CUSTOMS", "REJECTED", "ACCEPTED", "MANUAL_REVIEW", "CONCLUDED",
         "REQUEST_APPROVED", "INSPECTION", "DETAINED", "RETURNED", "RELEASED"),
        ("CLOSED",),
    ),
}  # fmt: skip
_KEYS: dict[str, dict[str, tuple[int, int]]] = {
    kind: {
        name: (phase, rank)
        for phase, names in enumerate(phases)
        for rank, name in enumerate(names, start=1)
    }
    for kind, phases in _PHASES.items()
}

_RETURN_STATUS = {
    "1": "STORED",
    "2": "DECLARING",
    "3": "SENT_TO_CUSTOMS",
    "4": "SEND_FAILED",
    "100": "REJECTED",
    "120": "ACCEPTED",
    "300": "MANUAL_REVIEW",
    "399": "CONCLUDED",
    "500": "INSPECTION",
    "501": "DETAINED",
    "502": "DETAINED",
    "503": "DETAINED",
    "599": "DETAINED",
    "700": "RETURNED",
    "800": "RELEASED",
    "899": "CLOSED",
}


def customs_status(return_status: str) -> str:
    """The canonical declaration status of an inventory-style receipt's return status."""
    code = return_status.strip()
    if code.startswith("-") and code[1:].isdigit():
        return "ERROR"
    return _RETURN_STATUS.get(code, "UNKNOWN")


def final_status(kind: str, history: list[tuple[datetime, str]]) -> str:
    """The status an object with these (time, status) events ends in."""
    keys = _KEYS[kind]

    def key(item: tuple[datetime, str]) -> tuple[int, datetime, int]:
        phase, rank = keys.get(item[1], (0, 0))
        return phase, item[0], rank

    return max(history, key=key)[1]

"""What the hub makes of a simulated event, asked of the hub's own code, never restated.

The ground truth must follow what the hub reads, not what was meant (a Kuaidi100 "14"
refusal is an EXCEPTION to the hub, a Kdniao "404" refusal is RETURNING), so the canonical
status of a code comes from the normalizer's vocabularies and customs table, and the status
an object ends in from the ledger's precedence. The simulator is a tool above the
services; it may import them.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from quanhub.common.canonical import (
    declaration_status_name,
    order_status_name,
    parcel_status_name,
    parcel_sub_status_name,
)
from quanhub.ledger.precedence import precedence
from quanhub.normalizer.vocab import customs
from quanhub.normalizer.vocab.registry import order_lookup, parcel_lookup

#: The status of a code the hub's tables do not hold (the bare canonical name).
UNKNOWN = "UNKNOWN"


class ParcelReading(NamedTuple):
    """The canonical (status, sub-status) names the hub derives from a parcel code."""

    status: str
    #: "" when the code names no sub-status.
    sub_status: str = ""


class CustomsReading(NamedTuple):
    """Whether the hub takes a customs message for a receipt, and the status it derives."""

    is_receipt: bool
    status: str


def _bare(name: str) -> str:
    return "" if name == "UNSPECIFIED" else name


def parcel_reading(code_system: str, code: str) -> ParcelReading:
    """The status and sub-status the normalizer derives from a parcel `code`."""
    lookup = parcel_lookup(code_system)
    found = lookup(code) if lookup else None
    if found is None:
        return ParcelReading(UNKNOWN)
    return ParcelReading(
        parcel_status_name(found.status), _bare(parcel_sub_status_name(found.sub_status))
    )


def order_status(code_system: str, code: str) -> str:
    """The order status the normalizer derives from an order `code`."""
    lookup = order_lookup(code_system)
    found = lookup(code) if lookup else None
    return UNKNOWN if found is None else order_status_name(found.status)


def customs_reading(message_type: str, return_status: str) -> CustomsReading:
    """What the normalizer makes of a customs message: a receipt with the status its return
    status means, or a business message (SUBMITTED)."""
    found = customs.lookup(message_type, return_status)
    return CustomsReading(found.is_receipt, declaration_status_name(found.status))


def final_status(kind: str, history: list[tuple[datetime, str]]) -> str:
    """The status an object of `kind` ("parcel", "order", "customs") with these
    (status time, status) events ends in: the ledger's greatest (phase, time, rank).

    The ledger breaks a last tie by event id; events tied on all three have one status.
    """

    def key(item: tuple[datetime, str]) -> tuple[int, datetime, int]:
        at, status = item
        rule = precedence(kind, status)
        return rule.phase, at, rule.rank

    return max(history, key=key)[1]

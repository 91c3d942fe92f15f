"""Alerts when the ledger's shards live on several PostgreSQL instances (docs/ledger.md
"Shards on several PostgreSQL instances").

An object's projection and events are on its shard's instance, so each instance answers
the alerts statement for its own objects, off home over home's partner registry
(read.spread.Reads). Whether the caller may list an alert is decided as read.spread
decides it for a view: a visibility predicate holds on the union of the instances exactly
when it holds on one of them, so a parcel row its own instance does not show the caller is
asked about on every instance (the customs liaison's parcels are those a declaration
names, and a declaration may live on another instance). Without `city_counts` (partners)
each instance keeps only the rows it shows the caller, as on one instance: every
predicate a partner is judged by reads the row's own columns, or the assertions the
object's own events made (a carrier's `from_parcel`), which are on the object's instance.
The ledger's clock is the latest of the instances'. The answer is the one a single
instance holding every shard gives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from quanhub.ledger.alerts.store import Found, Search, ledger_clock
from quanhub.ledger.read.params import Params, Reader
from quanhub.ledger.read.spread import Instances, reads_of
from quanhub.ledger.read.visibility import parcel_visible

_PARCEL = ("carrier_id", "waybill_no")


async def clock_everywhere(readers: Sequence[Reader]) -> datetime | None:
    """The ledger's clock over every instance: the latest parcel status time of any."""
    clocks = await asyncio.gather(*(ledger_clock(r) for r in readers))
    return max((c for c in clocks if c is not None), default=None)


async def find_everywhere(instances: Instances, search: Search) -> Found:
    """store.find's answer, read from every instance."""
    reads = await reads_of(instances, search.principal)
    out = []
    if search.parcels is not None:
        found = search.parcel_alerts(await reads.everywhere(search.parcels))
        hidden = [(a.carrier, a.waybill_no) for a, visible in found if not visible]
        literal = parcel_visible(search.principal, "k", Params()) in {"true", "false"}
        shown = set() if literal else await reads.holding(parcel_visible, _PARCEL, hidden)
        out += [(a, v or (a.carrier, a.waybill_no) in shown) for a, v in found]
    if search.declarations is not None:
        # A declaration's predicate reads its own row only (and no registry): exact here.
        out += search.declaration_alerts(await reads.everywhere(search.declarations))
    return Found(out)

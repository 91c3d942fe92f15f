"""Query parameters several routes share, as Annotated aliases: one declaration per
parameter, so a pattern or description partners read cannot drift between routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Query

__all__ = [
    "CarrierId",
    "DestinationPrefix",
    "DistrictPrefix",
    "FirstDay",
    "LastDay",
    "LedgerAsOf",
    "PageCursor",
    "PageLimit",
]

#: A report period's first and last China Standard Time days (`from`, `to`).
FirstDay = Annotated[date | None, Query(alias="from", description="First day (CST)")]
LastDay = Annotated[date | None, Query(alias="to", description="Last day (CST), inclusive")]

#: A carrier by the hub's id (case-insensitive where the route upper-cases it).
CarrierId = Annotated[
    str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Carrier (hub id)")
]

#: A district code or a prefix of one (37 = Shandong, 3701 = Jinan, 370112 = Licheng).
DistrictPrefix = Annotated[
    str | None, Query(pattern=r"^\d{2,6}$", description="District code or prefix")
]
DestinationPrefix = Annotated[
    str | None,
    Query(pattern=r"^\d{2,6}$", description="Destination district code or prefix"),
]

#: The instant a report is for, when it defaults to the ledger's clock (its latest status).
LedgerAsOf = Annotated[
    datetime | None,
    Query(description="The instant (ISO 8601 with offset); default: the ledger's clock"),
]

#: Keyset pages: the size asked for (capped by the settings) and the previous next_cursor.
PageLimit = Annotated[int | None, Query(ge=1)]
PageCursor = Annotated[str | None, Query(max_length=200)]

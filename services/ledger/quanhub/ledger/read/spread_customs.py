"""The customs declarations list when the ledger's shards live on several PostgreSQL
instances: read.customs' page statement on every instance, merged newest first, each
declaration's `confirmed` decided over every instance (read.spread)."""

from __future__ import annotations

import asyncio
from typing import Any

from quanhub.common.access import Principal
from quanhub.ledger.read import convert
from quanhub.ledger.read.customs import DeclarationFilter, declaration_page, list_sql
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.spread import Instances, reads_of

#: The list's columns, and the carrier the confirmation rules read.
_COLUMNS = convert.declaration_columns("d") + ", d.carrier_id"


async def spread_declarations(
    instances: Instances,
    principal: Principal,
    filters: DeclarationFilter,
    *,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """read.customs.list_declarations' page, read from the instances: each gives its
    newest `limit` + 1 after the cursor, so the newest `limit` + 1 of all are among them."""
    reads = await reads_of(instances, principal)

    def build(params: Params) -> str:
        return list_sql(
            principal, filters, limit=limit, cursor=cursor, params=params, columns=_COLUMNS
        )

    count = len(instances.readers)
    parts = await asyncio.gather(*(reads.on(i, build) for i in range(count)))
    rows = sorted(
        (r for part in parts for r in part),
        key=lambda r: (r["declared_at"], r["declaration_id"]),
        reverse=True,
    )[: limit + 1]
    return declaration_page(rows, limit, await reads.confirmed(rows[:limit]))

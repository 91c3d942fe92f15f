"""The one-time backfill of links projected before the exchange (`quanhub ledger
links-backfill`, docs/ledger.md "Links across instances").

A ledger already on several PostgreSQL instances before migration 0042 holds links whose
two sides live on two instances, each one-sided where its side's events were projected:
their facts were never written to an outbox, and a later event repeating such a link
changes no flag, so no step sends it. The backfill puts every such `order_parcels` row in
the instance's outbox once, with its flags, for each other instance holding one of its
sides; the running consumers' relays and appliers do the rest, exactly as for a step's
facts (a link is a grow-only pair of flags: sending one again changes nothing).

A row is skipped when the other instance already told this one at least as much: a fact
kept in `ledger_link_facts` carries the sender's flags when it sent them, and flags only
grow, so the sender holds at least those. After one backfill has gone through, every
crossing row is covered so (each side's apply sends back what it changed or knew more
of), and a second run routes nothing; were it to route a row, the facts would change no
flag. Reads and writes a batch of rows per transaction, in key order, so it runs beside
the consumers.
"""

from __future__ import annotations

from quanhub.ledger.store.link_facts import CHANGES, WORK_TABLES, route_changes
from quanhub.ledger.store.link_routes import LinkRouter
from quanhub.ledger.store.writer import AnyConnection

#: Links looked at per transaction.
BATCH = 5_000

# The next batch of links after key ($1 .. $4) in key order, and whether the other
# instance has not yet sent a fact holding at least their flags.
_NEXT = """
SELECT op.platform_code, op.order_no, op.carrier_id, op.waybill_no,
       lf.platform_code IS NULL
       OR (op.from_order AND NOT lf.from_order)
       OR (op.from_parcel AND NOT lf.from_parcel) AS unconfirmed
FROM order_parcels op
LEFT JOIN ledger_link_facts lf USING (platform_code, order_no, carrier_id, waybill_no)
WHERE (op.platform_code, op.order_no, op.carrier_id, op.waybill_no) > ($1, $2, $3, $4)
ORDER BY op.platform_code, op.order_no, op.carrier_id, op.waybill_no
LIMIT $5
"""
_PICKED = f"""
INSERT INTO {CHANGES}
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
"""  # noqa: S608 - a constant table name


async def backfill_links(conn: AnyConnection, router: LinkRouter, *, batch: int = BATCH) -> int:
    """Route every link of this instance (the router's) that the other instance holding a
    side of it has not confirmed (see the module's docstring) to that instance's outbox;
    how many outbox rows were written."""
    after = ("", "", "", "")
    routed = 0
    while True:
        async with conn.transaction():
            rows = await conn.fetch(_NEXT, *after, batch)
            if not rows:
                return routed
            picked = [r for r in rows if r["unconfirmed"]]
            if picked:
                await conn.execute(WORK_TABLES)
                await conn.execute(_PICKED, *([r[column] for r in picked] for column in range(4)))
                routed += await route_changes(conn, router)
        last = rows[-1]
        after = (last[0], last[1], last[2], last[3])

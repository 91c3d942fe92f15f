"""Links across PostgreSQL instances: the outbox a step fills, the relay's reads of it, and
the applier's merge of facts from other instances (docs/ledger.md "Links across
instances").

order_parcels flags only ever turn on (OR-merge), so a link is a grow-only pair of flags:
an instance sends the row's flags whenever they grow to every other instance holding one
of its sides, and an instance that receives flags OR-merges them. Sending twice, late or
out of order changes nothing, and the exchange stops once both hold the same flags (a
row's flags grow at most twice). The trust rule is unchanged: a fact carries which sides
asserted the link, never more, and read/visibility.py reads the flags as before.

With one instance none of this runs: the step's SQL is the one in store/projector.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from quanhub.ledger.store.link_routes import LinkFact, LinkRouter, Route
from quanhub.ledger.store.projections import capturing, links_sql, lock_links_sql
from quanhub.ledger.store.waybill_links import confirm_detected_links_sql
from quanhub.ledger.store.writer import AnyConnection

__all__ = [
    "APPLIED_LINKS",
    "WORK_TABLES",
    "apply_facts",
    "changed_links_sql",
    "decode_fact",
    "delete_sent",
    "encode_fact",
    "route_changes",
    "take_outbox",
]

#: The temporary table a step or an apply collects the keys of the links it changed in.
CHANGES = "link_changes"
WORK_TABLES = f"""
CREATE TEMP TABLE IF NOT EXISTS {CHANGES} (
    platform_code text, order_no text, carrier_id text, waybill_no text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS link_facts_in (
    platform_code text, order_no text, carrier_id text, waybill_no text,
    from_order boolean, from_parcel boolean
) ON COMMIT DELETE ROWS;
"""


def changed_links_sql(source: str) -> str:
    """The step's links (links_sql, then the detected-carrier confirmation) over `source`,
    collecting the keys of the rows they changed for `route_changes`."""
    return (
        WORK_TABLES
        + links_sql(source, changes=CHANGES)
        + confirm_detected_links_sql(source, changes=CHANGES)
    )


_CHANGED_ROWS = f"""
SELECT DISTINCT op.platform_code, op.order_no, op.carrier_id, op.waybill_no,
       op.from_order, op.from_parcel
FROM {CHANGES} c
JOIN order_parcels op USING (platform_code, order_no, carrier_id, waybill_no)
"""  # noqa: S608 - constants
_TO_OUTBOX = """
INSERT INTO ledger_link_outbox
    (partition, key, platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel)
SELECT * FROM unnest($1::int[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::boolean[], $8::boolean[])
"""


async def route_changes(conn: AnyConnection, router: LinkRouter) -> int:
    """Put the links changed in this transaction (collected by changed_links_sql or
    apply_facts) in the outbox, once for each other instance holding one of their sides,
    with their flags as they are now; how many outbox rows."""
    routes = [
        route for row in await conn.fetch(_CHANGED_ROWS) for route in router.routes(LinkFact(*row))
    ]
    if routes:
        await conn.execute(
            _TO_OUTBOX,
            [r.partition for r in routes],
            [r.key for r in routes],
            [r.fact.platform_code for r in routes],
            [r.fact.order_no for r in routes],
            [r.fact.carrier_id for r in routes],
            [r.fact.waybill_no for r in routes],
            [r.fact.from_order for r in routes],
            [r.fact.from_parcel for r in routes],
        )
    return len(routes)


_FACTS_IN = """
INSERT INTO link_facts_in
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                     $5::boolean[], $6::boolean[])
"""
# The facts of one apply, one row per link (a batch may repeat one).
_MERGED_FACTS = """(SELECT platform_code, order_no, carrier_id, waybill_no,
        bool_or(from_order) AS from_order, bool_or(from_parcel) AS from_parcel
    FROM link_facts_in GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) AS f"""
_KEEP_FACTS = """
INSERT INTO ledger_link_facts AS lf
    (platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel)
SELECT * FROM {merged}
ON CONFLICT (platform_code, order_no, carrier_id, waybill_no) DO UPDATE
    SET from_order = lf.from_order OR EXCLUDED.from_order,
        from_parcel = lf.from_parcel OR EXCLUDED.from_parcel;
"""
_APPLY_FACTS = """
INSERT INTO order_parcels AS op
    (platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel)
SELECT * FROM {merged}
ON CONFLICT (platform_code, order_no, carrier_id, waybill_no) DO UPDATE
    SET from_order = op.from_order OR EXCLUDED.from_order,
        from_parcel = op.from_parcel OR EXCLUDED.from_parcel
    WHERE (EXCLUDED.from_order AND NOT op.from_order)
       OR (EXCLUDED.from_parcel AND NOT op.from_parcel)
    RETURNING op.platform_code, op.order_no, op.carrier_id, op.waybill_no
"""
# Rows this instance knows more of than the sender did: it lacks them, so they go back.
_KNOWN_MORE = """
INSERT INTO {changes}
SELECT platform_code, order_no, carrier_id, waybill_no FROM {merged}
JOIN order_parcels op USING (platform_code, order_no, carrier_id, waybill_no)
WHERE (op.from_order AND NOT f.from_order) OR (op.from_parcel AND NOT f.from_parcel);
"""
# The orders the facts name, as confirm_detected_links_sql reads a source.
_FACT_ORDERS = "(SELECT 'order'::text AS kind, platform_code, order_no FROM link_facts_in) AS fo"
_APPLY = (
    lock_links_sql(_FACT_ORDERS)
    + _KEEP_FACTS.format(merged=_MERGED_FACTS)
    + capturing(_APPLY_FACTS.format(merged=_MERGED_FACTS), CHANGES)
    + _KNOWN_MORE.format(changes=CHANGES, merged=_MERGED_FACTS)
    + confirm_detected_links_sql(_FACT_ORDERS, changes=CHANGES)
)

#: order_parcels gains the facts other instances sent (ledger_link_facts): a rebuild runs
#: it after links_sql over its own events, before the detected-carrier confirmation.
APPLIED_LINKS = """
INSERT INTO order_parcels AS op
    (platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel)
SELECT platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel
FROM ledger_link_facts
ON CONFLICT (platform_code, order_no, carrier_id, waybill_no) DO UPDATE
    SET from_order = op.from_order OR EXCLUDED.from_order,
        from_parcel = op.from_parcel OR EXCLUDED.from_parcel;
"""


async def apply_facts(
    conn: AnyConnection, facts: Sequence[LinkFact], router: LinkRouter | None
) -> int:
    """Merge facts from other instances into this one's links (the caller's transaction):
    kept in ledger_link_facts, OR-merged into order_parcels, detected carriers confirmed,
    and what changed, or what this instance knew more of, routed on; returns the outbox
    rows written. Locks the links it may change in key order first, as a step does
    (projections.lock_links_sql), so it and the steps of every shard wait for each other
    on those rows only."""
    await conn.execute(WORK_TABLES)
    await conn.execute(
        _FACTS_IN,
        [f.platform_code for f in facts],
        [f.order_no for f in facts],
        [f.carrier_id for f in facts],
        [f.waybill_no for f in facts],
        [f.from_order for f in facts],
        [f.from_parcel for f in facts],
    )
    await conn.execute(_APPLY)
    return 0 if router is None else await route_changes(conn, router)


_TAKE = """
SELECT id, partition, key, platform_code, order_no, carrier_id, waybill_no,
       from_order, from_parcel
FROM ledger_link_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""
_DELETE = "DELETE FROM ledger_link_outbox WHERE id = ANY($1::bigint[])"


async def take_outbox(conn: AnyConnection, limit: int) -> list[tuple[int, Route]]:
    """Up to `limit` outbox rows, oldest first, locked until the caller's transaction ends
    (another relay skips them)."""
    rows = await conn.fetch(_TAKE, limit)
    return [
        (int(r["id"]), Route(int(r["partition"]), bytes(r["key"]), LinkFact(*list(r)[3:])))
        for r in rows
    ]


async def delete_sent(conn: AnyConnection, ids: Sequence[int]) -> None:
    """Forget outbox rows the links topic acknowledged."""
    await conn.execute(_DELETE, list(ids))


def encode_fact(fact: LinkFact) -> bytes:
    """A fact as a links-topic record value (the ledger's own topic: JSON is enough)."""
    return json.dumps(
        [
            fact.platform_code,
            fact.order_no,
            fact.carrier_id,
            fact.waybill_no,
            fact.from_order,
            fact.from_parcel,
        ],
        separators=(",", ":"),
    ).encode()


def decode_fact(value: bytes) -> LinkFact:
    """A links-topic record value as a fact; ValueError if it is not one."""
    fields = json.loads(value)
    if (
        not isinstance(fields, list)
        or len(fields) != 6
        or not all(isinstance(f, str) and f for f in fields[:4])
        or not all(isinstance(f, bool) for f in fields[4:])
    ):
        msg = f"not a link fact: {value[:200]!r}"
        raise ValueError(msg)
    return LinkFact(*fields)

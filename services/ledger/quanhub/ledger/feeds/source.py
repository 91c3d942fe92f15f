"""Reads feed events from the ledger: the committed head, and a page after a cursor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from asyncpg import Record

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access.model import Principal, Role
from quanhub.common.protojson import message_to_dict
from quanhub.ledger.feeds.conn import Conn
from quanhub.ledger.feeds.instances import ShardReaders
from quanhub.ledger.feeds.model import FeedEvent
from quanhub.ledger.feeds.visibility import feed_predicate, receives_events
from quanhub.ledger.read.params import Params
from quanhub.ledger.store.retention import RETIRED_THROUGH

#: Every kind a feed may carry, and the kinds it carries when none are asked for
#: (insights are opt-in).
KINDS = ("order", "parcel", "customs", "insight")
DEFAULT_KINDS = ("order", "parcel", "customs")
#: The global seq (every shard's visible events, numbered gap-free in the order their
#: projector steps committed): feeds' cursor.
_HEAD = "SELECT last_seq FROM ledger_sequence"
#: A page of events: global seqs after $1, up to $2, of the kinds $3, at most $4; `{visible}`
#: is the caller's feed predicate (feeds.visibility, fixed fragments), its values bound from
#: $5. The global seqs map to the shards' own through ledger_global_ranges: the range that
#: holds $1 + 1 and the ones after it, each read in its shard's seq order.
_PAGE = """
SELECT r.global_first + (e.seq - r.first_seq) AS seq, e.event_id, e.kind, e.source_partner,
       e.occurred_at, e.received_at, e.recorded_at, e.status, e.sub_status, e.carrier_id,
       e.waybill_no, e.platform_code, e.order_no, e.declaration_id, e.cop_no, e.canonical
FROM ledger_global_ranges r
CROSS JOIN LATERAL (
    SELECT e.seq, e.event_id, e.kind, e.source_partner, e.occurred_at, e.received_at,
           e.recorded_at, e.status, e.sub_status, e.carrier_id, e.waybill_no,
           e.platform_code, e.order_no, e.declaration_id, e.cop_no, e.canonical
    FROM ledger_events e
    WHERE e.seq >= r.first_seq + greatest($1 - r.global_first + 1, 0)
      AND e.seq < r.first_seq + least(r.events, $2 - r.global_first + 1)
      AND e.kind = ANY($3::text[])
      AND {visible}
    ORDER BY e.seq LIMIT $4) e
WHERE r.global_first >= (SELECT coalesce(max(g.global_first), 1) FROM ledger_global_ranges g
                         WHERE g.global_first <= $1 + 1)
  AND r.global_first <= $2
ORDER BY r.global_first, e.seq LIMIT $4"""
#: _PAGE over given ranges (a run of consecutive ones whose shards share an instance,
#: arrays $5 to $8) instead of home's ledger_global_ranges: read on the run's instance.
_RUN_PAGE = _PAGE.replace(
    "FROM ledger_global_ranges r\n",
    "FROM unnest($5::bigint[], $6::smallint[], $7::bigint[], $8::bigint[])"
    " AS r(global_first, shard, first_seq, events)\n",
).replace(
    """WHERE r.global_first >= (SELECT coalesce(max(g.global_first), 1) FROM ledger_global_ranges g
                         WHERE g.global_first <= $1 + 1)
  AND r.global_first <= $2
""",
    "",
)
#: Home's ranges holding global seqs after $1 up to $2, in order, at most $3.
_RANGES = """
SELECT global_first, shard, first_seq, events FROM ledger_global_ranges
WHERE global_first >= (SELECT coalesce(max(g.global_first), 1) FROM ledger_global_ranges g
                       WHERE g.global_first <= $1 + 1)
  AND global_first <= $2
ORDER BY global_first LIMIT $3"""
#: The shards the ledger has (each has its ledger_visible row on home).
_SHARDS = "SELECT count(*) FROM ledger_visible"
#: Ranges read from home at a time while filling a page across instances.
RANGES_PER_READ = 500
#: The global seq to replay after from an instant, over the shards of other instances:
#: shard $1's first event recorded at or after $2 (read on its instance), then its
#: global seq through home's ranges (_GLOBAL_OF).
_FIRST_RECORDED_SINCE = (
    "SELECT seq FROM ledger_events WHERE recorded_at >= $2 AND shard = $1 "
    "ORDER BY recorded_at, seq LIMIT 1"
)
_GLOBAL_OF = """
SELECT coalesce((SELECT g.global_first + ($2 - g.first_seq) FROM ledger_global_ranges g
                 WHERE g.shard = $1 AND g.first_seq <= $2 AND $2 < g.first_seq + g.events
                 ORDER BY g.first_seq DESC LIMIT 1),
                (SELECT last_seq FROM ledger_sequence) + 1)"""
_PRINCIPAL = "SELECT code, role, name, customs_code, disabled FROM partners WHERE code = $1"


class EventSource(Protocol):
    """What SSE streams and the dispatcher read events through."""

    async def head(self, conn: Conn) -> int: ...

    async def fetch(
        self,
        conn: Conn,
        principal: Principal,
        *,
        kinds: Sequence[str],
        after_seq: int,
        upto_seq: int,
        limit: int,
    ) -> list[FeedEvent]: ...


def _without_tokens(value: Any) -> Any:
    """The canonical JSON with every keyed-hash token removed: feeds show masked forms only."""
    if isinstance(value, dict):
        return {k: _without_tokens(v) for k, v in value.items() if not k.endswith("_token")}
    if isinstance(value, list):
        return [_without_tokens(v) for v in value]
    return value


def render(row: Record) -> FeedEvent:
    """One ledger row as the JSON document partners receive."""
    canonical = cpb.CanonicalEvent()
    canonical.ParseFromString(row["canonical"])
    event = message_to_dict(canonical)
    data: dict[str, Any] = {
        "seq": row["seq"],
        "event_id": str(row["event_id"]),
        "kind": row["kind"],
        "status": row["status"],
        "occurred_at": row["occurred_at"].isoformat(),
        "received_at": row["received_at"].isoformat(),
        "recorded_at": row["recorded_at"].isoformat(),
        "source_partner": row["source_partner"],
    }
    for key in ("sub_status", "carrier_id", "waybill_no", "platform_code", "order_no", "cop_no"):
        if row[key]:
            data[key] = row[key]
    if row["declaration_id"] is not None:
        data["declaration_id"] = str(row["declaration_id"])
    data["event"] = _without_tokens(event)
    return FeedEvent(seq=row["seq"], event_id=data["event_id"], kind=row["kind"], data=data)


class LedgerEventSource:
    """Reads `ledger_events` under the feed visibility rules.

    With `readers` (shards on several instances), a page maps the cursor through home's
    ranges and reads each run of ranges on its shards' instance; else one statement on
    the home connection does both.
    """

    def __init__(self, readers: ShardReaders | None = None) -> None:
        self._readers = readers if readers is not None and not readers.single else None

    async def head(self, conn: Conn) -> int:
        """The highest committed (global) sequence number."""
        value = await conn.fetchval(_HEAD)
        return int(value or 0)

    async def fetch(
        self,
        conn: Conn,
        principal: Principal,
        *,
        kinds: Sequence[str],
        after_seq: int,
        upto_seq: int,
        limit: int,
    ) -> list[FeedEvent]:
        """Visible events of these kinds with after_seq < seq <= upto_seq (global seqs),
        in seq order."""
        if not receives_events(principal) or upto_seq <= after_seq:
            return []
        if self._readers is not None:
            return await self._fetch_across(
                conn,
                self._readers,
                principal,
                kinds=kinds,
                after_seq=after_seq,
                upto_seq=upto_seq,
                limit=limit,
            )
        params = Params()
        for value in (after_seq, upto_seq, list(kinds), limit):  # $1 to $4 of _PAGE
            params.add(value)
        visible = feed_predicate(principal, params)
        rows = await conn.fetch(_PAGE.format(visible=visible), *params.values)
        return [render(r) for r in rows]

    async def _fetch_across(
        self,
        home: Conn,
        readers: ShardReaders,
        principal: Principal,
        *,
        kinds: Sequence[str],
        after_seq: int,
        upto_seq: int,
        limit: int,
    ) -> list[FeedEvent]:
        """`fetch` over shards on several instances: home's ranges after the cursor, a
        run of consecutive ones on one instance at a time, until the page is full."""
        found: list[FeedEvent] = []
        after = after_seq
        while len(found) < limit and after < upto_seq:
            ranges = await home.fetch(_RANGES, after, upto_seq, RANGES_PER_READ)
            if not ranges:
                break
            for run in readers.runs(ranges):
                params = Params()
                for value in (after, upto_seq, list(kinds), limit - len(found)):
                    params.add(value)
                for column in ("global_first", "shard", "first_seq", "events"):
                    params.add([r[column] for r in run])
                sql = _RUN_PAGE.format(visible=feed_predicate(principal, params))
                rows = await readers.fetch(home, run[0]["shard"], sql, *params.values)
                found += (render(r) for r in rows)
                if len(found) >= limit:
                    break
            last = ranges[-1]
            after = min(upto_seq, last["global_first"] + last["events"] - 1)
            if len(ranges) < RANGES_PER_READ:
                break
        return found[:limit]

    async def retired_through(self, home: Conn) -> int:
        """The highest global seq retention dropped (0: none), on any instance: each
        records the drops of the shards it holds."""
        retired = int(await home.fetchval(RETIRED_THROUGH))
        if self._readers is not None:
            for instance in range(1, self._readers.shard_map.instances):
                at = await self._readers.fetchval_on(instance, RETIRED_THROUGH)
                retired = max(retired, int(at))
        return retired

    async def after_recorded_since(self, home: Conn, since: datetime) -> int | None:
        """Over the shards on other instances: the global seq just before the earliest of
        their first events recorded at or after `since` (None: no such shard has one, or
        every shard is on the home instance)."""
        readers = self._readers
        if readers is None:
            return None
        earliest: int | None = None
        for shard in readers.remote_shards(int(await home.fetchval(_SHARDS))):
            seq = await readers.fetchval(home, shard, _FIRST_RECORDED_SINCE, shard, since)
            if seq is None:
                continue
            first = int(await home.fetchval(_GLOBAL_OF, shard, seq))
            earliest = first if earliest is None else min(earliest, first)
        return None if earliest is None else earliest - 1


async def load_principal(conn: Conn, partner_code: str) -> Principal | None:
    """The subscribing partner as a principal; None when disabled, unknown or an analyst."""
    row = await conn.fetchrow(_PRINCIPAL, partner_code)
    if row is None or row["disabled"]:
        return None
    principal = Principal(row["code"], Role(row["role"]), row["name"], row["customs_code"])
    return principal if receives_events(principal) else None

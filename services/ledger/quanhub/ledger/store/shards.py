"""Ledger shards: which shard a canonical partition belongs to, how a shard numbers its
events, and the SQL every lane and reader shares about them (docs/ledger.md "Shards").

A shard is a fixed group of canonical-topic partitions with its own gap-free seq, its own
writer lane (its ledger_appended row) and its own projector lane (its ledger_visible row).
Shard k numbers its events k * 2^40 + 1, k * 2^40 + 2, ...: seqs stay unique over
ledger_events, and shard 0 numbers exactly as the unsharded ledger did. The projector
steps of all shards take turns on ledger_sequence, the global lock, to append their
events to the one gap-free global sequence partners read (ledger_global_ranges).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quanhub.ledger.store.writer import AnyConnection

#: Bits of a shard's own event number: 2^40 (about 10^12) events per shard.
SEQ_BITS = 40
#: Shards one ledger may have (seq is a bigint: 2^63 / 2^40).
MAX_SHARDS = 1 << (63 - SEQ_BITS)


def base(shard: int) -> int:
    """The seq before shard `shard`'s first event (its counters' starting value)."""
    return int(shard) << SEQ_BITS


def shard_of(partition: int, shards: int) -> int:
    """The shard that owns canonical partition `partition` when the ledger has `shards`:
    partition p belongs to shard p mod S (so every shard gets every S-th partition, and
    adding partitions spreads them evenly)."""
    return partition % shards


def owned(partition: int, shards: int, shard: int) -> bool:
    """True when `shard` owns `partition`."""
    return shard_of(partition, shards) == shard


_ENSURE_APPENDED = (
    "INSERT INTO ledger_appended (shard, last_seq) "  # noqa: S608 - a constant
    f"SELECT s, s::bigint << {SEQ_BITS} FROM unnest($1::smallint[]) AS x(s) "
    "ON CONFLICT DO NOTHING"
)
_ENSURE_VISIBLE = _ENSURE_APPENDED.replace("ledger_appended", "ledger_visible")
#: Each listed shard's partitions up to a whole one past its appended seq (migration 0041).
PARTITIONS_AHEAD = (
    "SELECT ledger_partitions_ahead(shard, last_seq) FROM ledger_appended "
    "WHERE shard = ANY($1::smallint[]) ORDER BY shard"
)


async def ensure_shards(conn: AnyConnection, shards: Sequence[int]) -> None:
    """Create the counter rows of these shards (empty: at their base) where missing, and
    their partitions of ledger_events ahead."""
    listed = [int(s) for s in shards]
    await conn.execute(_ENSURE_APPENDED, listed)
    await conn.execute(_ENSURE_VISIBLE, listed)
    await conn.execute(PARTITIONS_AHEAD, listed)


#: SQL: the ledger_events row aliased `{alias}` is visible (its shard's projector made it
#: so). The shards' visible seqs are read once per statement, not per row.
_VISIBLE = (
    "{alias}.seq <= (SELECT array_agg(v.last_seq ORDER BY v.shard) FROM ledger_visible v)"
    "[{alias}.shard + 1]"
)


def visible(alias: str) -> str:
    """SQL: the ledger_events row aliased `alias` is visible: at most its shard's visible
    seq (shards are numbered 0 .. S - 1, each with a ledger_visible row)."""
    return _VISIBLE.format(alias=alias)


#: Takes the global lock (every shard's projector steps take turns from here on); the
#: highest global seq.
LOCK_GLOBAL = "SELECT last_seq FROM ledger_sequence FOR UPDATE"

# Gives the shard's seqs [first, first + events - 1] the next global seqs: the last range
# grows when it is this shard's and ends just before `first` (so one shard alone keeps one
# row, and a busy shard's consecutive steps share one), else a range row is appended. Then
# moves the global sequence past them and tells the feeds, in the caller's transaction
# (which holds the global lock). `{shard}`, `{first}`, `{events}` are integers,
# `{channel}` a constant.
_PUBLISH = """
WITH grown AS (
    UPDATE ledger_global_ranges r SET events = r.events + {events}
    WHERE r.global_first = (SELECT max(global_first) FROM ledger_global_ranges)
      AND r.shard = {shard} AND r.first_seq + r.events = {first}
    RETURNING 1)
INSERT INTO ledger_global_ranges (global_first, shard, first_seq, events)
SELECT last_seq + 1, {shard}, {first}, {events} FROM ledger_sequence
WHERE NOT EXISTS (SELECT 1 FROM grown);
UPDATE ledger_sequence SET last_seq = last_seq + {events};
SELECT pg_notify('{channel}', last_seq::text) FROM ledger_sequence;
"""


def publish_sql(shard: int, first: int, events: int, channel: str) -> str:
    """SQL that gives the shard's newly visible seqs [first, first + events - 1] the next
    global seqs and NOTIFYs `channel` with the new global head (nothing when events = 0)."""
    if events <= 0:
        return ""
    return _PUBLISH.format(shard=int(shard), first=int(first), events=int(events), channel=channel)


#: The channel a shard's projector step NOTIFYs on its instance when the shard is not on
#: the home instance; the payload is `<shard>:<visible seq>`. The sequencer LISTENs.
SHARD_VISIBLE_CHANNEL = "quanhub_ledger_shard"


def notify_visible_sql(shard: int, last: int) -> str:
    """SQL that tells the sequencer the shard's events up to seq `last` are visible (sent
    at the caller's commit)."""
    return f"SELECT pg_notify('{SHARD_VISIBLE_CHANNEL}', '{int(shard)}:{int(last)}');"

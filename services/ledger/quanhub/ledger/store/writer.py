"""The batch writer: one transaction holds a batch's new events and its consumer offsets.

Per batch: lock the shard's ledger_appended row (it serialises the shard's writers), COPY
the batch's new event ids into ledger_event_ids (its primary key is the ledger's duplicate
check) and the events, numbered gap-free from it, straight into ledger_events (events the
ledger already holds, or repeated in the batch, are left out), move the row (and make the
shard's next partition when it nears its last one: migration 0041), store the consumed
offsets and any rejected records, and COMMIT. A crash anywhere commits all of it or none
of it.

Projections, rollups and NOTIFY are the projector's (quanhub.ledger.store.projector), in a
transaction of its own that runs beside the next append: readers see an event once it is
projected, through its shard's ledger_visible row (migrations 0015, 0040). Every event
of a batch belongs to one shard (quanhub.ledger.store.shards); shard 0 is the whole ledger
when there is one shard.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from quanhub.ledger.store.projections import CREATE_WORK_TABLES
from quanhub.ledger.store.rows import COLUMNS, LedgerRow

#: A connection of its own or one borrowed from a pool.
AnyConnection = asyncpg.Connection | PoolConnectionProxy

_ARRIVAL = attrgetter("kafka_topic", "kafka_partition", "kafka_offset")

#: Taken first, in a statement of its own: it serialises writers, so seqs are numbered
#: gap-free and commit in order (a reader that has seen seq N never later sees one below).
#: Takes shard $1's writers' lock; its highest appended seq.
LOCK_APPENDED = "SELECT last_seq FROM ledger_appended WHERE shard = $1 FOR UPDATE"
#: Moves shard $2's row to $1 and makes its next partition when $1 nears the last one (a
#: catalog lookup otherwise).
_MOVE = """
WITH moved AS (UPDATE ledger_appended SET last_seq = $1 WHERE shard = $2)
SELECT ledger_partitions_ahead($2, $1)"""
_COLUMNS = ("seq", *COLUMNS, "shard")
_ID_COLUMNS = ("event_id", "seq")
_EVENT_ID = _COLUMNS.index("event_id")
_KNOWN = "SELECT event_id FROM ledger_event_ids WHERE event_id = ANY($1::uuid[])"
_STORED_OFFSETS = (
    "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2"
)


def _number(
    rows: Sequence[LedgerRow], known: set[object] | None, last_seq: int, shard: int
) -> list[tuple[object, ...]]:
    """The rows as COPY records (seq first, shard last), numbered from last_seq + 1 in
    arrival order (topic, partition, offset). With `known`, only the first occurrence of
    each event id not in it; without, every row (ledger_event_ids' primary key refuses
    any repeat)."""
    arrived = sorted(rows, key=_ARRIVAL)
    if known is None:
        return [(last_seq + i, *row.record(), shard) for i, row in enumerate(arrived, start=1)]
    records: list[tuple[object, ...]] = []
    seen = set(known)
    seq = last_seq
    for row in arrived:
        if row.event_id in seen:
            continue
        seen.add(row.event_id)
        seq += 1
        records.append((seq, *row.record(), shard))
    return records


async def _copy(conn: AnyConnection, records: list[tuple[object, ...]]) -> None:
    """The records' ids (first: a repeat is refused before the wide COPY), then the rows."""
    ids = [(r[_EVENT_ID], r[0]) for r in records]
    await conn.copy_records_to_table("ledger_event_ids", records=ids, columns=_ID_COLUMNS)
    await conn.copy_records_to_table("ledger_events", records=records, columns=_COLUMNS)


async def append(
    conn: AnyConnection, rows: Sequence[LedgerRow], *, shard: int = 0
) -> tuple[int, int]:
    """Lock the shard's ledger_appended row, COPY the events the ledger has not seen into
    ledger_events as the shard's (and their ids into ledger_event_ids) and move its row
    past them; returns (events appended, the seq before them).

    Runs inside the caller's transaction. An event id already in the ledger, or repeated in
    the batch, is skipped (the first occurrence by topic, partition, offset is kept); new
    events are numbered in that order.
    The ledger is only asked which ids it holds, and repeats are only looked for, when the
    ids' COPY hits one (a replay after a crash or a rebalance): the id table's primary key
    does the checking otherwise.
    """
    last_seq = int(await conn.fetchval(LOCK_APPENDED, shard))
    if not rows:
        return 0, last_seq
    records = _number(rows, None, last_seq, shard)
    try:
        async with conn.transaction():  # a savepoint: a refused COPY leaves the batch usable
            await _copy(conn, records)
    except asyncpg.UniqueViolationError:
        known = {r["event_id"] for r in await conn.fetch(_KNOWN, [r.event_id for r in rows])}
        records = _number(rows, known, last_seq, shard)
        if records:
            await _copy(conn, records)
    if records:
        await conn.execute(_MOVE, last_seq + len(records), shard)
    return len(records), last_seq


_STORE_OFFSETS = """
INSERT INTO consumer_offsets AS o (group_id, topic, partition, next_offset, updated_at)
SELECT $1, t, p, n, $5 FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, n)
ON CONFLICT (group_id, topic, partition) DO UPDATE
    SET next_offset = GREATEST(o.next_offset, EXCLUDED.next_offset),
        updated_at = EXCLUDED.updated_at
"""


async def store_offsets(
    conn: AnyConnection, group_id: str, positions: Sequence[Position], now: datetime
) -> None:
    """Advance `group_id`'s next offsets in consumer_offsets (never backwards), in the
    caller's transaction; consumer/rebalance.py reads them back on assignment."""
    if positions:
        await conn.execute(
            _STORE_OFFSETS,
            group_id,
            [p.topic for p in positions],
            [p.partition for p in positions],
            [p.next_offset for p in positions],
            now,
        )


_STORE_REJECTS = """
INSERT INTO ledger_rejects
    (topic, partition, kafka_offset, error_code, error_message, recorded_at)
SELECT t, p, o, c, m, $6
FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[]) AS x(t, p, o, c, m)
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True, slots=True)
class Reject:
    """A record the consumer could not use, kept for an operator."""

    topic: str
    partition: int
    offset: int
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Position:
    """The next offset to read on one topic partition."""

    topic: str
    partition: int
    next_offset: int


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one batch did: events new to the ledger, and the highest appended seq after it."""

    received: int
    appended: int
    last_seq: int


#: Wide ledger rows (an order's body and canonical bytes) pass PostgreSQL's TOAST threshold
#: and get compressed on insert; pglz (the default) costs several times lz4's CPU to do it.
#: Readers need nothing: each stored value records its own method.
_LZ4 = "SET default_toast_compression = lz4"


async def compress_with_lz4(conn: AnyConnection) -> None:
    """Compress what this session writes with lz4 (once per connection; a server built
    without lz4 keeps its default). All a writer's connection needs."""
    with contextlib.suppress(asyncpg.InvalidParameterValueError):  # no lz4 here: pglz
        await conn.execute(_LZ4)


async def prepare(conn: AnyConnection) -> None:
    """`compress_with_lz4`, and the temporary work tables the projector's steps (and
    rebuilds) fill: once per connection."""
    await conn.execute(CREATE_WORK_TABLES)
    await compress_with_lz4(conn)


async def write_batch(
    conn: AnyConnection,
    rows: Sequence[LedgerRow],
    *,
    group_id: str,
    positions: Sequence[Position],
    rejects: Sequence[Reject] = (),
    now: datetime,
    shard: int = 0,
) -> WriteResult:
    """Append a batch to `shard` and advance the consumer's offsets in one transaction
    (the positions and rows of the shard's partitions only).

    `compress_with_lz4(conn)` should have run on this connection. Events already in the ledger (or
    repeated in the batch) are skipped. The new events become visible to readers when
    `quanhub.ledger.store.projector.project` has projected them.
    """
    async with conn.transaction():
        appended, before = await append(conn, rows, shard=shard)
        await store_offsets(conn, group_id, positions, now)
        if rejects:
            await conn.execute(
                _STORE_REJECTS,
                [r.topic for r in rejects],
                [r.partition for r in rejects],
                [r.offset for r in rejects],
                [r.code for r in rejects],
                [r.message for r in rejects],
                now,
            )
    return WriteResult(received=len(rows), appended=appended, last_seq=before + appended)


async def stored_offsets(conn: AnyConnection, group_id: str, topic: str) -> dict[int, int]:
    """The next offset to read per partition, as last committed with the ledger rows."""
    rows = await conn.fetch(_STORED_OFFSETS, group_id, topic)
    return {int(r["partition"]): int(r["next_offset"]) for r in rows}


#: Errors that retrying the same rows can never fix (bad data, violated constraints).
REFUSED = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
#: The error code kept for an event PostgreSQL refused (in ledger_rejects, ledger_quarantine).
REFUSED_CODE = "refused_by_database"


def refusal(exc: Exception) -> str:
    """The error message kept for a refused event."""
    return f"{type(exc).__name__}: {exc}"[:500]


async def write_isolating(
    conn: AnyConnection,
    rows: Sequence[LedgerRow],
    *,
    group_id: str,
    positions: Sequence[Position],
    rejects: Sequence[Reject] = (),
    now: datetime,
    shard: int = 0,
) -> WriteResult:
    """`write_batch`, but a row PostgreSQL refuses is found by halving the batch and kept
    in ledger_rejects, so one poison record never blocks the ledger.

    The halves commit one after the other and only the last carries the offsets: a crash
    in between re-reads the first half, which the event ids then skip.
    """
    try:
        return await write_batch(
            conn,
            rows,
            group_id=group_id,
            positions=positions,
            rejects=rejects,
            now=now,
            shard=shard,
        )
    except REFUSED as exc:
        if len(rows) <= 1:
            refused = [
                Reject(r.kafka_topic, r.kafka_partition, r.kafka_offset, REFUSED_CODE, refusal(exc))
                for r in rows
            ]
            return await write_batch(
                conn,
                [],
                group_id=group_id,
                positions=positions,
                rejects=[*rejects, *refused],
                now=now,
                shard=shard,
            )
    middle = len(rows) // 2
    first = await write_isolating(
        conn, rows[:middle], group_id=group_id, positions=(), now=now, shard=shard
    )
    second = await write_isolating(
        conn,
        rows[middle:],
        group_id=group_id,
        positions=positions,
        rejects=rejects,
        now=now,
        shard=shard,
    )
    return WriteResult(len(rows), first.appended + second.appended, second.last_seq)

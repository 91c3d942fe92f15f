"""Fast seeding of a ledger database: COPY of rows shaped exactly as the ledger writes them,
then the ledger's own rebuild (quanhub.ledger.store.rebuild) for projections and rollups.

A small pool of real rows (simulator -> gateway envelope -> normalizer -> ledger decode) is
replicated round after round: each round gets new event ids, new business numbers (so new
parcels, orders and declarations) and event times shifted by a day, so the ledger spans
months the way a city's would. Bodies keep the pool row's size and shape; inside them the
logistics numbers and the buyers' id tokens get the round's suffix too, so a round's
declarations match its own parcels and a buyer's import history is as long as one round
makes it, not a whole year of rounds. Canonical bytes are the pool row's own.
"""

# Table and index names come from the catalogue, never from input. ruff: noqa: S608
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import astuple
from datetime import timedelta
from typing import Any

import asyncpg
import structlog

from quanhub.ledger.store.rebuild import rebuild
from quanhub.ledger.store.rows import COLUMNS, LedgerRow

log = structlog.get_logger(__name__)
_I = {name: i for i, name in enumerate(COLUMNS)}
_SUFFIXED = ("source_event_id", "waybill_no", "order_no", "cop_no")
_TIMES = ("occurred_at", "received_at", "recorded_at", "status_time", "return_time")
_COPY_CHUNK = 50_000
#: Bump when replicate() changes, so databases seeded by an older harness are reseeded.
SEED_VERSION = 2
#: Body values suffixed per round (the ends of their JSON strings).
_BODY_SUFFIXED = re.compile(r'"(?:logistics_no|id_token)":"[^"]+(?=")')


def _body_parts(body: str | None) -> list[str] | None:
    """The body cut where the round's suffix goes (None: no body)."""
    if body is None:
        return None
    cuts = [m.end() for m in _BODY_SUFFIXED.finditer(body)]
    return [body[i:j] for i, j in zip([0, *cuts], [*cuts, len(body)], strict=True)]


def replicate(
    pool: Sequence[LedgerRow], count: int, *, first_seq: int = 1
) -> Iterator[tuple[Any, ...]]:
    """`count` ledger rows (seq first, then COLUMNS) made from the pool, round by round."""
    base = [astuple(r) for r in pool]
    bodies = [_body_parts(r.body) for r in pool]
    seq = first_seq
    produced = 0
    n = 0
    while produced < count:
        suffix = f"-S{n}"
        shift = timedelta(days=n % 365, hours=n // 365)
        for i, row in enumerate(base):
            if produced == count:
                return
            out = list(row)
            out[_I["event_id"]] = uuid.UUID(int=(n << 64) | i | (1 << 127))
            for name in _SUFFIXED:
                if out[_I[name]]:
                    out[_I[name]] += suffix
            parts = bodies[i]
            if parts is not None and len(parts) > 1:
                out[_I["body"]] = suffix.join(parts)
            if out[_I["declaration_id"]] is not None:
                out[_I["declaration_id"]] = uuid.UUID(int=(out[_I["declaration_id"]].int ^ n))
            for name in _TIMES:
                if out[_I[name]] is not None:
                    out[_I[name]] -= shift
            out[_I["kafka_offset"]] = seq
            yield (seq, *out)
            seq += 1
            produced += 1
        n += 1


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = 'ledger_events' AND NOT EXISTS (
               SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"""
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


async def seed(url: str, pool: Sequence[LedgerRow], events: int) -> dict[str, float]:
    """Fill an empty migrated ledger with `events` rows; returns seconds per phase."""
    conn = await asyncpg.connect(url, command_timeout=None)
    timings: dict[str, float] = {}
    try:
        indexes = await _secondary_indexes(conn)
        for name, _ in indexes:
            await conn.execute(f"DROP INDEX {name}")
        started = time.perf_counter()
        rows = replicate(pool, events)
        columns = ("seq", *COLUMNS)
        while chunk := [r for _, r in zip(range(_COPY_CHUNK), rows, strict=False)]:
            await conn.copy_records_to_table("ledger_events", records=chunk, columns=columns)
        # The duplicate check's ids (migration 0041), as the writer keeps them.
        await conn.execute(
            "INSERT INTO ledger_event_ids (event_id, seq) SELECT event_id, seq FROM ledger_events"
        )
        # Appended; the rebuild below projects them all and makes them visible.
        await conn.execute("UPDATE ledger_appended SET last_seq = $1", events)
        timings["copy_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            # A partitioned index's definition reads ON ONLY (the parent alone); built
            # here it must reach every partition.
            await conn.execute(definition.replace(" ON ONLY ", " ON ", 1))
        await conn.execute("ANALYZE ledger_events")
        timings["index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await rebuild(conn)
        await conn.execute("ANALYZE")
        timings["rebuild_s"] = time.perf_counter() - started
    finally:
        await conn.close()
    log.info("ledger_seeded", events=events, **{k: round(v, 1) for k, v in timings.items()})
    return timings


def seeded_name(events: int) -> str:
    """The kept database that holds a seeded ledger of `events` events."""
    return f"bench_ledger_{events}"


async def seeded_events(url: str) -> int | None:
    """How many events a kept seeded ledger holds (None: missing, partial or outdated)."""
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        found = await conn.fetchval("SELECT to_regclass('bench_seed') IS NOT NULL")
        if not found:
            return None
        row = await conn.fetchrow("SELECT events, version FROM bench_seed")
        return int(row["events"]) if row and row["version"] == SEED_VERSION else None
    finally:
        await conn.close()


async def mark_seeded(url: str, events: int, timings: dict[str, float]) -> None:
    """Record that the seed finished (the last step, so a half-seeded ledger is redone)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE bench_seed (events bigint, version int, copy_s float8, "
            "index_s float8, rebuild_s float8)"
        )
        await conn.execute(
            "INSERT INTO bench_seed VALUES ($1, $2, $3, $4, $5)",
            events,
            SEED_VERSION,
            timings["copy_s"],
            timings["index_s"],
            timings["rebuild_s"],
        )
    finally:
        await conn.close()

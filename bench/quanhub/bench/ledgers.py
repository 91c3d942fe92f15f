"""Seeded ledgers kept between runs: created once per size, reused while their seed matches."""

from __future__ import annotations

from functools import cache

import asyncpg
import structlog

from quanhub.bench.env import BenchEnv, create_database
from quanhub.bench.errors import LedgerNotSeeded
from quanhub.bench.rows import ledger_rows
from quanhub.bench.seed import mark_seeded, seed, seeded_events, seeded_name
from quanhub.bench.workload import Workload
from quanhub.common.db import migrate
from quanhub.ledger.store.rows import LedgerRow

log = structlog.get_logger(__name__)

#: Orders in the simulated pool the seeded ledgers are replicated from (~30,000 events).
POOL_ORDERS = 2000


@cache
def seed_pool() -> list[LedgerRow]:
    """The pool of real ledger rows every seeded ledger is made of (built once per process)."""
    return ledger_rows(Workload(POOL_ORDERS, seed=11).pool)


#: The rollup tables, each with its primary key (the key the reports read it by).
_ROLLUPS = """
SELECT t.relname AS rollup, i.relname AS key
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE x.indisprimary AND n.nspname = current_schema()
  AND (t.relname LIKE 'kpi\\_%' OR t.relname LIKE 'incident\\_flow%')
ORDER BY 1
"""


async def lay_out_rollups(conn: asyncpg.Connection) -> list[str]:
    """Store every rollup in the order of its primary key (CLUSTER), as a live ledger's
    lie: the projector adds each day's rows as the day comes. A rollup filled in one
    INSERT ... GROUP BY (the seed's rebuild, a migration's backfill) comes out in hash
    order instead, so a 30-day report reads rows from nearly every page of the table
    (kpi_lane_daily at 10M events: 22,890 rows from 3,263 of its 3,265 pages)."""
    tables = []
    for row in await conn.fetch(_ROLLUPS):
        table, key = row["rollup"], row["key"]
        # Names from the catalogue, never from input.
        await conn.execute(f'CLUSTER "{table}" USING "{key}"')
        await conn.execute(f'ANALYZE "{table}"')
        tables.append(table)
    return tables


async def _migrate(url: str) -> None:
    """Bring a kept ledger to the current schema here, before the API starts on it: a
    migration that fills new rollups from 10M events takes longer than a service may take
    to become ready. After a migration, the rollups are laid out again (lay_out_rollups):
    a backfill leaves them in hash order."""
    conn = await asyncpg.connect(url)
    try:
        applied = await migrate(conn)
        if applied:
            log.info("seeded_ledger_migrated", versions=[m.version for m in applied])
            tables = await lay_out_rollups(conn)
            log.info("seeded_ledger_rollups_laid_out", tables=tables)
    finally:
        await conn.close()


async def ensure_ledger(
    env: BenchEnv, events: int, *, reseed: bool = False, seed_missing: bool = True
) -> str:
    """URL of a kept ledger holding `events` seeded events (seeding it when needed)."""
    name = seeded_name(events)
    url = env.database_url(name)
    if not reseed and await seeded_events(url) == events:
        log.info("seeded_ledger_reused", database=name, events=events)
        await _migrate(url)
        return url
    if not seed_missing:
        msg = f"{name} is not seeded; run: python -m quanhub.bench seed --events {events}"
        raise LedgerNotSeeded(msg)
    log.info("seeding_ledger", database=name, events=events)
    await create_database(env, name)
    timings = await seed(url, seed_pool(), events)
    conn = await asyncpg.connect(url)
    try:
        await lay_out_rollups(conn)
    finally:
        await conn.close()
    await mark_seeded(url, events, timings)
    return url

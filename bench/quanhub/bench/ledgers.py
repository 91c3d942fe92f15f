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


async def _migrate(url: str) -> None:
    """Bring a kept ledger to the current schema here, before the API starts on it: a
    migration that fills new rollups from 10M events takes longer than a service may take
    to become ready."""
    conn = await asyncpg.connect(url)
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    if applied:
        log.info("seeded_ledger_migrated", versions=[m.version for m in applied])


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
    await mark_seeded(url, events, timings)
    return url

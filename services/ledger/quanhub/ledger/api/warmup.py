"""The query API's start-up background work: what its first readers would otherwise wait
for, done while it already answers (readiness does not wait for it).

- The EDD accuracy book's default period (routes/edd.py warm_book): seconds at 10M events.
- The incidents of finished days (incidents/ahead.py): a pass over a year of days.

`quanhub_ledger_api_warming{work}` is 1 while each runs, so an operator (or the bench's
queries stage) can tell a process still warming from one at its steady state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
import structlog
from fastapi import FastAPI

from quanhub.common.clock import Clock
from quanhub.ledger.api.metrics import ApiMetrics
from quanhub.ledger.api.routes.edd import warm_book
from quanhub.ledger.edd.accuracy_book import AccuracyBook
from quanhub.ledger.incidents.ahead import incidents_ahead
from quanhub.ledger.read.params import Reader

log = structlog.get_logger(__name__)


@asynccontextmanager
async def warm_up(
    app: FastAPI,
    db: asyncpg.Pool,
    clock: Clock,
    metrics: ApiMetrics,
    others: Sequence[Reader] = (),
) -> AsyncIterator[None]:
    """Start the work in the background for as long as the context lasts; the app's state
    gets the accuracy book (`edd_accuracy`) and the kept incidents (`incidents`), both
    reading `others` too (the other instances of the shard map, if any)."""
    book = app.state.edd_accuracy = AccuracyBook(db, others=others)
    warming = metrics.warming
    warming.labels("edd_accuracy").set(1)
    warming.labels("incidents").set(1)

    async def book_warmed() -> None:
        try:
            await warm_book(book, db, clock, others)
        except Exception as exc:  # noqa: BLE001 - the first question computes what is missing
            log.warning("edd_accuracy_warm_failed", error=repr(exc))
        finally:
            warming.labels("edd_accuracy").set(0)

    def passed() -> None:
        warming.labels("incidents").set(0)

    task = asyncio.create_task(book_warmed())
    try:
        async with incidents_ahead(db, clock, passed, others=others) as kept:
            app.state.incidents = kept
            yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

"""The query API's start-up background work (api/warmup.py) on a real PostgreSQL: once
started, with readiness not held, it computes the default period's EDD accuracy days and
the finished days' incidents, and `quanhub_ledger_api_warming` says when each is done."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from incident_traffic import NOW, scans
from ledger_support import append_and_project, serve_in_process, wait_for

from quanhub.common.clock import FixedClock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.alerts.store import ledger_clock
from quanhub.ledger.api.app import create_app
from quanhub.ledger.api.instants import first_day
from quanhub.ledger.api.routes.kpis import DEFAULT_DAYS
from quanhub.ledger.edd.accuracy_book import AccuracyBook
from quanhub.ledger.edd.store import window_end
from quanhub.ledger.settings import LedgerApiSettings


def _warming(metrics: str) -> dict[str, float]:
    """The gauge's value per work, from a /metrics answer."""
    prefix = 'quanhub_ledger_api_warming{work="'
    return {
        line[len(prefix) :].split('"', 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith(prefix)
    }


async def test_the_api_warms_up_in_the_background_and_says_when_done(
    ledger_database: DatabaseSettings, ledger_pool: asyncpg.Pool
) -> None:
    await append_and_project(ledger_pool, scans(range(9)), now=NOW, topic="a")
    app = create_app(LedgerApiSettings(database=ledger_database), clock=FixedClock(NOW))
    async with serve_in_process(app) as client:
        assert (await client.get("/readyz")).status_code == 200

        async def warmed() -> bool:
            answer = await client.get("/metrics")
            return _warming(answer.text) == {"edd_accuracy": 0.0, "incidents": 0.0}

        await wait_for(warmed, timeout=60, what="the start-up work done")
        book: AccuracyBook = app.state.edd_accuracy
        today = window_end(min((await ledger_clock(ledger_pool)) or NOW, NOW))
        assert book.holds(first_day(today, DEFAULT_DAYS), today - timedelta(days=1))
        assert not book.holds(today, today)  # never counted: not a finished day

"""Which norms an answer is judged by: the stored ones, else ones learned on the fly.

`quanhub ledger alerts-learn` stores norms (the way to run a hub: learned once a day, say,
on the last 28 days). A ledger that was never trained still answers: the process learns
the same norms from the WINDOW before the ledger's clock, keeps them, and learns again
once the clock has moved on by REFRESH (a simulated run, a fresh hub). A request waits up
to WAIT for a learning in progress (a simulated run's takes well under a second); past
that it is answered with what the process already has (at first: no norms, the defaults,
`norms_until` null), so a ten-million-event ledger never holds a request for the tens of
seconds its first learning takes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog

from quanhub.ledger.alerts.norms import Norm
from quanhub.ledger.alerts.store import learn, load_norms
from quanhub.ledger.read.params import Reader

log = structlog.get_logger(__name__)

WINDOW = timedelta(days=28)
REFRESH = timedelta(hours=6)
WAIT = 5.0


class NormsProvider:
    """One per API process (kept on app.state). `others`: the other PostgreSQL instances
    holding shards, whose gaps are learned from too (store.learn)."""

    def __init__(self, others: Sequence[Reader] = ()) -> None:
        self._others = tuple(others)
        self._learned: tuple[datetime, list[Norm]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def norms(self, db: Reader, clock: datetime | None) -> tuple[list[Norm], datetime | None]:
        """The norms and the cutoff of the gaps they were learned from."""
        stored, until = await load_norms(db)
        if until is not None or clock is None:
            return stored, until
        stale = self._learned is None or clock - self._learned[0] >= REFRESH
        if stale and self._task is None:
            self._task = asyncio.create_task(self._learn(db, clock))
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), WAIT)
        if self._learned is None:
            return [], None
        return self._learned[1], self._learned[0]

    async def _learn(self, db: Reader, clock: datetime) -> None:
        try:
            learned = await learn(db, clock, WINDOW, others=self._others)
            self._learned = (clock, learned.norms)
        except Exception:  # a failed learning keeps the last norms; the next request retries
            log.exception("alert_norms_learning_failed")
        finally:
            self._task = None

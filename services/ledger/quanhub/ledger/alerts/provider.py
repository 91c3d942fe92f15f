"""Which norms an answer is judged by: the stored ones, else ones learned on the fly.

`quanhub ledger alerts-learn` stores norms (the way to run a hub: learned once a day, say,
on the last 28 days). A ledger that was never trained still answers: the process learns
the same norms from the WINDOW before the ledger's clock, keeps them, and learns again
once the clock has moved on by REFRESH (a simulated run, a fresh hub).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from quanhub.ledger.alerts.norms import Norm
from quanhub.ledger.alerts.store import learn, load_norms
from quanhub.ledger.read.params import Reader

WINDOW = timedelta(days=28)
REFRESH = timedelta(hours=6)


class NormsProvider:
    """One per API process (kept on app.state)."""

    def __init__(self) -> None:
        self._learned: tuple[datetime, list[Norm]] | None = None
        self._lock = asyncio.Lock()

    async def norms(self, db: Reader, clock: datetime | None) -> tuple[list[Norm], datetime | None]:
        """The norms and the cutoff of the gaps they were learned from."""
        stored, until = await load_norms(db)
        if until is not None or clock is None:
            return stored, until
        async with self._lock:
            if self._learned is None or clock - self._learned[0] >= REFRESH:
                learned = await learn(db, clock, WINDOW)
                self._learned = (clock, learned.norms)
            return self._learned[1], self._learned[0]

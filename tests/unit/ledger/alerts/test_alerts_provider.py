"""The norms an answer uses when none are stored: learned on the fly, never waited for long
(pure: a fake reader stands for PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from quanhub.ledger.alerts import provider as provider_module
from quanhub.ledger.alerts.provider import NormsProvider

CLOCK = datetime(2026, 11, 20, tzinfo=UTC)


class FakeReader:
    """Answers load_norms (nothing stored) and the learning queries (one segment each),
    the learning after `delay` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.learnings = 0

    async def fetch(self, statement: str, *args: Any) -> list[dict[str, Any]]:
        if "FROM alert_norms" in statement:
            return []
        self.learnings += 1
        await asyncio.sleep(self.delay)
        return [{"segment": ["IN_TRANSIT", "city"], "samples": 100, "quantile_seconds": 3600.0}]

    async def fetchval(self, statement: str, *args: Any) -> Any:
        return None


async def test_untrained_norms_are_learned_once_and_kept() -> None:
    reader, norms = FakeReader(), NormsProvider()
    learned, until = await norms.norms(reader, CLOCK)  # type: ignore[arg-type]
    assert until == CLOCK
    assert [n.segment for n in learned] == [("IN_TRANSIT", "city"), ("IN_TRANSIT", "city")]
    await norms.norms(reader, CLOCK + timedelta(hours=1))  # type: ignore[arg-type]
    assert reader.learnings == 2  # parcels and customs, once
    await norms.norms(reader, CLOCK + timedelta(hours=7))  # type: ignore[arg-type]
    assert reader.learnings == 4  # the clock moved on: learned again


async def test_a_slow_learning_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_module, "WAIT", 0.01)
    reader, norms = FakeReader(delay=0.2), NormsProvider()
    assert await norms.norms(reader, CLOCK) == ([], None)  # type: ignore[arg-type]
    await asyncio.sleep(0.5)
    learned, until = await norms.norms(reader, CLOCK)  # type: ignore[arg-type]
    assert until == CLOCK
    assert learned

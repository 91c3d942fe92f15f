"""The API's EDD model cache: trained per window end, reused, and never making the first
request after midnight wait."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from quanhub.ledger.edd.store import EddModels, window_end


class FakePool:
    """Answers the window query with one SF parcel and the open-at-the-cut one with none;
    records each window asked for."""

    def __init__(self) -> None:
        self.windows: list[tuple[date, date]] = []
        self.release = asyncio.Event()
        self.release.set()

    async def fetch(self, sql: str, first: date, end: date) -> list[dict[str, Any]]:
        if "kpi_edd_hist" not in sql:
            return []
        self.windows.append((first, end))
        await self.release.wait()
        return [
            {
                "carrier_id": "SF",
                "origin_district": "330110",
                "district_code": "370102",
                "delivery_point": "DOOR",
                "weekday": 0,
                "hour_band": 3,
                "bucket": 120,
                "n": 1,
            }
        ]


def test_the_window_ends_on_as_ofs_day_in_cst() -> None:
    assert window_end(datetime(2026, 11, 27, 15, 59, tzinfo=UTC)) == date(2026, 11, 27)
    assert window_end(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)) == date(2026, 11, 28)


async def test_a_model_is_trained_once_per_window_end_and_reused() -> None:
    pool = FakePool()
    models = EddModels(pool, window_days=28)  # type: ignore[arg-type]
    morning = datetime(2026, 11, 27, 1, tzinfo=UTC)
    first = await models.model(morning)
    assert (first.first_day, first.end_day, first.parcels) == (
        date(2026, 10, 30),
        date(2026, 11, 27),
        1,
    )
    assert await models.model(morning + timedelta(hours=5)) is first
    assert len(pool.windows) == 1


async def test_after_midnight_now_gets_yesterdays_model_while_todays_loads() -> None:
    pool = FakePool()
    models = EddModels(pool)  # type: ignore[arg-type]
    yesterday = await models.model(datetime(2026, 11, 27, 1, tzinfo=UTC))
    pool.release.clear()
    after_midnight = datetime(2026, 11, 27, 16, 5, tzinfo=UTC)
    assert await models.model(after_midnight, exact=False) is yesterday
    # An explicit as_of waits for its own day's model.
    waiting = asyncio.create_task(models.model(after_midnight))
    await asyncio.sleep(0)
    assert not waiting.done()
    pool.release.set()
    today = await waiting
    assert today.end_day == date(2026, 11, 28)
    assert await models.model(after_midnight, exact=False) is today
    assert len(pool.windows) == 2

"""Finished days' city detections computed ahead (incidents/ahead.py) on a real
PostgreSQL, the detector in its worker process: each finished day asked for the city or
a carrier answers what the detector answers on ask, before and after a stop's scans
arrive late; the API computes them in the background once started, readiness not held,
and its asks computed by its worker processes answer as the detector in process."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from incident_traffic import DAY8, NOW, START, STOP, scans
from ledger_support import Api, append_and_project, serve_in_process, wait_for

from quanhub.common.clock import FixedClock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.api.app import create_app
from quanhub.ledger.incidents.ahead import IncidentsAhead, WorkerDetector, day_windows
from quanhub.ledger.incidents.detect import Incident, Thresholds, day_of, window_of, window_start
from quanhub.ledger.incidents.schemas import IncidentOut
from quanhub.ledger.incidents.store import KeptIncidents, detection_key, find_incidents
from quanhub.ledger.settings import LedgerApiSettings

#: The CST days of the traffic (START's to DAY8's, and the one after), all finished at NOW.
DAYS = range(day_of(window_of(START)), day_of(window_of(NOW)))
ASKERS = (None, "SF", "ZTO", "YTO")


async def _ask(
    pool: asyncpg.Pool, day: int, carrier: str | None, kept: KeptIncidents | None
) -> list[Incident]:
    start = window_start(day_windows(day)[0])
    end = start + timedelta(days=1)
    return await find_incidents(
        pool, start=start, end=end, as_of=end, carrier=carrier, district=None, kept=kept
    )


async def _same_as_on_ask(pool: asyncpg.Pool, kept: KeptIncidents) -> list[Incident]:
    """Each day and asker: the kept answer is the on-ask one. The city's incidents."""
    city: list[Incident] = []
    for day in DAYS:
        for carrier in ASKERS:
            answer = await _ask(pool, day, carrier, kept)
            assert answer == await _ask(pool, day, carrier, None), (day, carrier)
            if carrier is None:
                city.extend(answer)
    return city


async def test_days_computed_ahead_answer_as_on_ask_before_and_after_late_scans(
    ledger_pool: asyncpg.Pool,
) -> None:
    await append_and_project(ledger_pool, scans(range(9)), now=NOW, topic="a")
    kept, detector = KeptIncidents(), WorkerDetector()
    ahead = IncidentsAhead(ledger_pool, FixedClock(NOW), kept, detector=detector)
    try:
        assert await ahead.catch_up() == len(DAYS)
        (incident,) = await _same_as_on_ask(ledger_pool, kept)
        assert (incident.carrier, incident.start, incident.end) == ("SF", *STOP)

        # SF's scans of the stop, received late: the stop's day and the one after it
        # (which reads it as baseline) are read again, on ask and by the next pass (which
        # takes the stop's day from the ask).
        await append_and_project(ledger_pool, scans(range(7, 8), late=True), now=NOW, topic="b")
        stop_day = day_of(window_of(DAY8))
        assert await _ask(ledger_pool, stop_day, "SF", kept) == []
        assert await ahead.catch_up() == len([d for d in DAYS if d > stop_day])
        assert await _same_as_on_ask(ledger_pool, kept) == []
        assert await ahead.catch_up() == 0
    finally:
        await detector.aclose()


async def test_the_api_computes_finished_days_in_the_background(
    ledger_database: DatabaseSettings, ledger_pool: asyncpg.Pool
) -> None:
    await append_and_project(ledger_pool, scans(range(9)), now=NOW, topic="a")
    app = create_app(LedgerApiSettings(database=ledger_database), clock=FixedClock(NOW))
    async with serve_in_process(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        kept: KeptIncidents = app.state.incidents.kept
        keys = [detection_key(*day_windows(day), None, Thresholds()) for day in DAYS]

        async def computed() -> bool:
            return all(kept.ahead_version(key) is not None for key in keys)

        await wait_for(computed, timeout=30, what="the finished days computed ahead")
        (incident,) = await _same_as_on_ask(ledger_pool, kept)
        assert incident.carrier == "SF"


async def test_an_ask_computed_by_the_api_workers_answers_as_in_process(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    # Appended after the API's first pass: every day asked here is computed on ask.
    await append_and_project(ledger_pool, scans(range(9)), now=NOW, topic="a")
    for as_of in (DAY8 + timedelta(hours=3), DAY8 + timedelta(days=1)):
        query = (
            f"/v1/incidents?from={DAY8.isoformat()}&to={(DAY8 + timedelta(days=1)).isoformat()}"
            f"&as_of={as_of.isoformat()}"
        ).replace("+", "%2B")
        answer = await ledger_api.get(query, "ADMIN")
        assert answer.status_code == 200, answer.text
        in_process = await find_incidents(
            ledger_pool,
            start=DAY8,
            end=DAY8 + timedelta(days=1),
            as_of=as_of,
            carrier=None,
            district=None,
        )
        assert in_process
        assert [IncidentOut.of(i).model_dump(mode="json") for i in in_process] == (
            answer.json()["incidents"]
        )

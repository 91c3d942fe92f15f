"""The projector: makes appended events visible, in a transaction of its own.

One step: lock the ledger_sequence row (it serialises projectors; readers treat its
last_seq as the highest visible seq), read how far writers have appended
(ledger_appended, committed), then one SQL script collects the keys of the events in
between, refreshes the touched projections and rollups, moves ledger_sequence and NOTIFYs
`quanhub_ledger` with it; COMMIT. Projections are pure functions of their objects' events
and the rollups move with the watermark in the same transaction, so a crash anywhere
leaves the step for the next projector to do again, exactly once in effect.

Writers never wait for this: an append commits while the previous batch is projected (two
backends, two cores), and a projector that falls behind catches up in bigger steps.

A step PostgreSQL refuses (a data error or a violated constraint: retrying cannot fix it)
is narrowed down by halving until the one event it fails on is at its front; that event is
quarantined (ledger_quarantine, with the error) and made visible unprojected, and the steps
go on: one such event never stops the ledger. Any other failure (connection lost, server
down) is the caller's to retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from quanhub.ledger.incidents.flow import flow_step_sql
from quanhub.ledger.store.projections import FRESH_COLUMNS, links_sql, refresh_all, touch_sql
from quanhub.ledger.store.rollups import ADD, RETRACT
from quanhub.ledger.store.waybill_links import confirm_detected_links_sql
from quanhub.ledger.store.writer import REFUSED, REFUSED_CODE, AnyConnection, refusal

log = structlog.get_logger(__name__)

#: The channel feeds LISTEN on; the payload is the highest visible seq.
NOTIFY_CHANNEL = "quanhub_ledger"

#: Events one step projects at most (a long backlog is caught up in steps of this size, so
#: no transaction grows without bound).
MAX_STEP_EVENTS = 50_000

#: Takes the projectors' lock; the highest visible seq.
LOCK_VISIBLE = "SELECT last_seq FROM ledger_sequence FOR UPDATE"
_APPENDED = "SELECT last_seq FROM ledger_appended"


# Templates of the step's script: `{first}` and `{last}` are the step's seq bounds
# (integers read from the database), `{columns}` FRESH_COLUMNS, `{channel}` NOTIFY_CHANNEL.
_STEP_BEGIN = """
SET LOCAL jit = off;
INSERT INTO ledger_fresh ({columns})
SELECT {columns} FROM ledger_events WHERE seq BETWEEN {first} AND {last};
"""
_ANALYZE_TOUCHED = (
    "ANALYZE touched_parcels, touched_orders, touched_declarations, ledger_fresh (kind);"
)
_STEP_END = """
UPDATE ledger_sequence SET last_seq = {last};
SELECT pg_notify('{channel}', '{last}');
"""
_FRESH_COLUMNS = ", ".join(FRESH_COLUMNS)


def step_script(first: int, last: int) -> str:
    """The SQL that projects the events with seq in [first, last] and makes them visible.

    JIT is off for the whole script: it costs 100+ ms to compile a plan and these
    statements run in a few ms. Temporary tables are never analysed by autovacuum; without
    fresh statistics the planner guesses their size and may scan the whole ledger instead
    of probing its indexes once per key.
    """
    first, last = int(first), int(last)
    return "".join(
        (
            _STEP_BEGIN.format(columns=_FRESH_COLUMNS, first=first, last=last),
            touch_sql("ledger_fresh"),
            _ANALYZE_TOUCHED,
            RETRACT,
            refresh_all(last),
            links_sql("ledger_fresh"),
            confirm_detected_links_sql("ledger_fresh"),
            ADD,
            flow_step_sql(first, last),
            _STEP_END.format(last=last, channel=NOTIFY_CHANNEL),
        )
    )


_QUARANTINE = """
INSERT INTO ledger_quarantine (seq, error_code, error_message) VALUES ($1, $2, $3)
"""
_MOVE_VISIBLE_OF = """
WITH moved AS (UPDATE ledger_sequence SET last_seq = $1 RETURNING last_seq)
SELECT pg_notify('{channel}', last_seq::text) FROM moved
"""
#: Makes everything up to $1 visible, and tells the feeds.
MOVE_VISIBLE = _MOVE_VISIBLE_OF.format(channel=NOTIFY_CHANNEL)


@dataclass(frozen=True, slots=True)
class Projected:
    """What one step did: events made visible, the visible seq after it, how many
    appended events are still waiting, and how many it quarantined."""

    events: int
    last_seq: int
    behind: int
    quarantined: int = 0


class _StepRefused(Exception):
    """PostgreSQL refused a step of `events` events beginning at seq `first`."""

    def __init__(self, first: int, events: int, cause: Exception) -> None:
        super().__init__(f"projection of {events} events refused from seq {first}: {cause}")
        self.first = first
        self.events = events
        self.cause = cause


async def project(conn: AnyConnection, *, max_events: int = MAX_STEP_EVENTS) -> Projected:
    """Project up to `max_events` appended events that are not visible yet (one step).

    `quanhub.ledger.store.writer.prepare(conn)` must have run on this connection. Waits
    for a projector already at work (the row lock), then finds what it left, if anything.
    A refused step is retried on the first half of its events, down to a single event,
    which is then quarantined (see the module's docstring).
    """
    try:
        return await _step(conn, max_events)
    except _StepRefused as refused:
        if refused.events > 1:  # halve what was refused, not the limit it was under
            return await project(conn, max_events=refused.events // 2)
        return await _quarantine(conn, refused.first, refused.cause)


async def _positions(conn: AnyConnection) -> tuple[int, int]:
    """Take the projectors' lock; (visible, appended) seqs."""
    visible = int(await conn.fetchval(LOCK_VISIBLE))
    return visible, int(await conn.fetchval(_APPENDED))


async def _step(conn: AnyConnection, max_events: int) -> Projected:
    first = last = 0
    try:
        async with conn.transaction():
            visible, appended = await _positions(conn)
            if appended <= visible:
                return Projected(0, visible, 0)
            first, last = visible + 1, min(appended, visible + max_events)
            await conn.execute(step_script(first, last))
    except REFUSED as exc:
        raise _StepRefused(first, last - first + 1, exc) from exc
    return Projected(last - visible, last, appended - last)


async def _quarantine(conn: AnyConnection, seq: int, exc: Exception) -> Projected:
    """Quarantine event `seq` (a step of it alone was refused) and make it visible,
    unprojected; unless another projector dealt with it meanwhile."""
    async with conn.transaction():
        visible, appended = await _positions(conn)
        if visible + 1 != seq:  # another projector moved on meanwhile
            return Projected(0, visible, appended - visible)
        await conn.execute(_QUARANTINE, seq, REFUSED_CODE, refusal(exc))
        await conn.execute(MOVE_VISIBLE, seq)
    log.error("ledger_event_quarantined", seq=seq, error=type(exc).__name__)
    return Projected(1, seq, appended - seq, quarantined=1)


async def project_all(
    conn: AnyConnection,
    *,
    max_events: int = MAX_STEP_EVENTS,
    on_step: Callable[[Projected, float], None] | None = None,
) -> int:
    """Step until nothing appended is left unprojected; returns the visible seq.
    `on_step` gets each step and the seconds it took."""
    while True:
        started = time.perf_counter()
        step = await project(conn, max_events=max_events)
        if on_step is not None:
            on_step(step, time.perf_counter() - started)
        if not step.behind:
            return step.last_seq

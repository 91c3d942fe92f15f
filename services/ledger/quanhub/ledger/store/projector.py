"""The projector: makes appended events visible, in a transaction of its own.

One step of one shard: lock the shard's ledger_visible row (it serialises the shard's
projectors; readers see an event up to its shard's row), read how far the shard's writers
have appended (its ledger_appended row, committed), then one SQL script collects the keys
of the events in between, moves the shard's visible row, refreshes the touched projections
and the shard's own rollup rows (rollups are keyed by shard: store/rollups.py), records
the links (shared with other shards' steps, taken in key order), then takes the global
lock (ledger_sequence: the steps of every shard take turns from here only), appends the
events to the global sequence (one ledger_global_ranges row), moves ledger_sequence and
NOTIFYs `quanhub_ledger` with it; COMMIT. A shard on another instance than the home one
(store/shard_map.py) does the same on its instance but appends nothing to the global
sequence: it NOTIFYs `quanhub_ledger_shard` and the sequencer (store/sequencer.py)
publishes its visible events on the home instance.
Projections are pure functions of their objects' events
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
from quanhub.ledger.store.link_facts import changed_links_sql, route_changes
from quanhub.ledger.store.link_routes import LinkRouter
from quanhub.ledger.store.projections import (
    FRESH_COLUMNS,
    links_sql,
    lock_links_sql,
    refresh_all,
    touch_sql,
)
from quanhub.ledger.store.rollups import add_sql, retract_sql
from quanhub.ledger.store.shards import LOCK_GLOBAL, notify_visible_sql, publish_sql
from quanhub.ledger.store.waybill_links import confirm_detected_links_sql
from quanhub.ledger.store.writer import REFUSED, REFUSED_CODE, AnyConnection, refusal

log = structlog.get_logger(__name__)

#: The channel feeds LISTEN on; the payload is the highest visible global seq.
NOTIFY_CHANNEL = "quanhub_ledger"

#: Events one step projects at most (a long backlog is caught up in steps of this size, so
#: no transaction grows without bound).
MAX_STEP_EVENTS = 50_000

#: Takes shard $1's projectors' lock; its highest visible seq.
LOCK_VISIBLE = "SELECT last_seq FROM ledger_visible WHERE shard = $1 FOR UPDATE"
_APPENDED = "SELECT last_seq FROM ledger_appended WHERE shard = $1"


# Templates of the step's script: `{first}` and `{last}` are the step's seq bounds
# (integers read from the database), `{shard}` its shard, `{columns}` FRESH_COLUMNS.
_STEP_BEGIN = """
SET LOCAL jit = off;
INSERT INTO ledger_fresh ({columns})
SELECT {columns} FROM ledger_events WHERE seq BETWEEN {first} AND {last};
"""
_ANALYZE_TOUCHED = (
    "ANALYZE touched_parcels, touched_orders, touched_declarations, ledger_fresh (kind);"
)
# The step's events become visible to its own statements: the projections below are
# refreshed from visible events (shards.visible), as readers see. Others see the move at
# the commit, with the global seqs it publishes under the global lock.
_STEP_VISIBLE = "UPDATE ledger_visible SET last_seq = {last} WHERE shard = {shard};\n"
_FRESH_COLUMNS = ", ".join(FRESH_COLUMNS)


def _published(shard: int, first: int, last: int, publish: bool) -> str:
    """SQL that gives the shard's seqs [first, last] the next global seqs (`publish`: the
    shard is on the home instance), else tells the sequencer they are visible."""
    if not publish:
        return notify_visible_sql(shard, last) if last >= first else ""
    return f"{LOCK_GLOBAL};\n" + publish_sql(shard, first, last - first + 1, NOTIFY_CHANNEL)


def step_script(
    first: int, last: int, shard: int = 0, *, publish: bool = True, routed: bool = False
) -> str:
    """The SQL that projects the shard's events with seq in [first, last] and makes them
    visible, with the next global seqs (or, not `publish`, a NOTIFY to the sequencer).
    `routed` (shards on several instances): the links it changes are collected for
    link_facts.route_changes, which the caller runs next in the same transaction.

    JIT is off for the whole script: it costs 100+ ms to compile a plan and these
    statements run in a few ms. Temporary tables are never analysed by autovacuum; without
    fresh statistics the planner guesses their size and may scan the whole ledger instead
    of probing its indexes once per key.
    """
    first, last, shard = int(first), int(last), int(shard)
    return "".join(
        (
            _STEP_BEGIN.format(columns=_FRESH_COLUMNS, first=first, last=last),
            touch_sql("ledger_fresh"),
            _ANALYZE_TOUCHED,
            _STEP_VISIBLE.format(last=last, shard=shard),
            retract_sql(shard),
            refresh_all(visible_only=True),
            add_sql(shard),
            flow_step_sql(first, last, shard),
            _links("ledger_fresh", routed),
            _published(shard, first, last, publish),
        )
    )


def _links(source: str, routed: bool) -> str:
    """The step's links, last before the publish: the rows other shards' steps may want
    are held for as short a time as the step allows."""
    if routed:
        return lock_links_sql(source) + changed_links_sql(source)
    return lock_links_sql(source) + links_sql(source) + confirm_detected_links_sql(source)


_QUARANTINE = """
INSERT INTO ledger_quarantine (seq, error_code, error_message) VALUES ($1, $2, $3)
"""
_MOVE_VISIBLE = "UPDATE ledger_visible SET last_seq = {last} WHERE shard = {shard};"


def move_visible_sql(shard: int, visible: int, last: int, *, publish: bool = True) -> str:
    """SQL that makes the shard's seqs (visible, last] visible, unprojected, with the next
    global seqs, and tells the feeds (not `publish`: tells the sequencer); the caller holds
    the shard's projectors' lock."""
    if last <= visible:
        return ""
    return "".join(
        (
            _MOVE_VISIBLE.format(last=int(last), shard=int(shard)),
            _published(shard, visible + 1, last, publish),
        )
    )


@dataclass(frozen=True, slots=True)
class Projected:
    """What one step did: events made visible, the shard's visible seq after it, how many
    of its appended events are still waiting, how many it quarantined, and how many link
    facts it left in the outbox for other instances."""

    events: int
    last_seq: int
    behind: int
    quarantined: int = 0
    routed: int = 0


class _StepRefused(Exception):
    """PostgreSQL refused a step of `events` events beginning at seq `first`."""

    def __init__(self, first: int, events: int, cause: Exception) -> None:
        super().__init__(f"projection of {events} events refused from seq {first}: {cause}")
        self.first = first
        self.events = events
        self.cause = cause


async def project(
    conn: AnyConnection,
    *,
    max_events: int = MAX_STEP_EVENTS,
    shard: int = 0,
    publish: bool = True,
    router: LinkRouter | None = None,
) -> Projected:
    """Project up to `max_events` of the shard's appended events that are not visible yet
    (one step).

    `quanhub.ledger.store.writer.prepare(conn)` must have run on this connection. Waits
    for a projector already at work (the row lock), then finds what it left, if anything.
    A refused step is retried on the first half of its events, down to a single event,
    which is then quarantined (see the module's docstring). `publish` False: the shard is
    not on the home instance, and the sequencer publishes its steps. `router` (shards on
    several instances): links whose other side lives elsewhere go to the outbox.
    """
    try:
        return await _step(conn, max_events, shard, publish, router)
    except _StepRefused as refused:
        if refused.events > 1:  # halve what was refused, not the limit it was under
            half = refused.events // 2
            return await project(conn, max_events=half, shard=shard, publish=publish, router=router)
        return await _quarantine(conn, refused.first, refused.cause, shard, publish)


async def _positions(conn: AnyConnection, shard: int) -> tuple[int, int]:
    """Take the shard's projectors' lock; its (visible, appended) seqs."""
    visible = int(await conn.fetchval(LOCK_VISIBLE, shard))
    return visible, int(await conn.fetchval(_APPENDED, shard))


async def _step(
    conn: AnyConnection, max_events: int, shard: int, publish: bool, router: LinkRouter | None
) -> Projected:
    first = last = routed = 0
    try:
        async with conn.transaction():
            visible, appended = await _positions(conn, shard)
            if appended <= visible:
                return Projected(0, visible, 0)
            first, last = visible + 1, min(appended, visible + max_events)
            script = step_script(first, last, shard, publish=publish, routed=router is not None)
            await conn.execute(script)
            if router is not None:
                routed = await route_changes(conn, router)
    except REFUSED as exc:
        raise _StepRefused(first, last - first + 1, exc) from exc
    return Projected(last - visible, last, appended - last, routed=routed)


async def _quarantine(
    conn: AnyConnection, seq: int, exc: Exception, shard: int, publish: bool
) -> Projected:
    """Quarantine event `seq` (a step of it alone was refused) and make it visible,
    unprojected; unless another projector dealt with it meanwhile."""
    async with conn.transaction():
        visible, appended = await _positions(conn, shard)
        if visible + 1 != seq:  # another projector moved on meanwhile
            return Projected(0, visible, appended - visible)
        await conn.execute(_QUARANTINE, seq, REFUSED_CODE, refusal(exc))
        await conn.execute(move_visible_sql(shard, visible, seq, publish=publish))
    log.error("ledger_event_quarantined", seq=seq, error=type(exc).__name__)
    return Projected(1, seq, appended - seq, quarantined=1)


async def project_all(
    conn: AnyConnection,
    *,
    max_events: int = MAX_STEP_EVENTS,
    on_step: Callable[[Projected, float], None] | None = None,
    shard: int = 0,
    publish: bool = True,
    router: LinkRouter | None = None,
) -> int:
    """Step until nothing the shard appended is left unprojected; returns its visible seq.
    `on_step` gets each step and the seconds it took; `publish` and `router` as for
    `project`."""
    while True:
        started = time.perf_counter()
        step = await project(
            conn, max_events=max_events, shard=shard, publish=publish, router=router
        )
        if on_step is not None:
            on_step(step, time.perf_counter() - started)
        if not step.behind:
            return step.last_seq

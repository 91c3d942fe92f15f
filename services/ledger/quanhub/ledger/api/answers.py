"""Answers kept per API process for the ledger's current data version.

A report over the rollups (GET /v1/kpis) or the projections (GET /v1/alerts) is a pure
function of the request and of what the projectors have made visible, and every shard's
projector step moves ledger_sequence.last_seq (the global seq) in the same transaction as
the projections and rollups it changes. So an
answer computed while last_seq stayed at one value is exact for every later request that
finds last_seq still there: dashboards asking the same question between two projector steps
are answered without the rollup scan and the Python that shapes it. The version is read
before and after the computation; an answer is kept only when both agree (a projector step
in between could have shown the computation a newer state than the version before it says).
A new version drops every kept answer.

With the shards on several PostgreSQL instances (docs/ledger.md "Shards on several
PostgreSQL instances") home's last_seq is not enough: a step off home changes its
instance's projections and rollups at once but moves home's sequence only when the
sequencer publishes it, a moment later, and a link fact another instance sent changes a
link (read by the visibility rules) without any step. So the version is then one row per
instance (SPREAD_VERSION, read on all of them side by side): home's global sequence, the
sum of the instance's visible seqs (a step moves its shard's row in its transaction, and
rows only grow) and how far its link applier has read (its offsets commit with the facts
it applies). Any change of any instance's data moves it; with one instance the version,
its statement and its one round trip are as above.

A big answer is kept as the JSON the endpoint sends (`Answers.json`): one bytes object
instead of its model's thousands. 256 kept 30-day city KPI reports were 650,000 objects
the garbage collector walked at every full collection (232 ms, stalling every request the
process was answering); their bytes are 256.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from quanhub.ledger.api.context import api_context
from quanhub.ledger.consumer.links import links_group
from quanhub.ledger.read.params import Reader

#: The ledger's data version: the highest global seq readers may see (every step moves it).
VERSION = "SELECT last_seq FROM ledger_sequence"
#: One instance's data version when shards live on several instances (home's included).
SPREAD_VERSION = f"""
SELECT (SELECT last_seq FROM ledger_sequence) AS global_seq,
       (SELECT coalesce(sum(last_seq), 0) FROM ledger_visible) AS visible,
       (SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets
        WHERE group_id LIKE '%{links_group("")}') AS links
"""  # noqa: S608 - module constants only
#: A data version: home's last_seq, or one (global, visible, links) per instance.
Version = int | tuple[tuple[int, int, int], ...]
#: Answers kept at most (distinct requests of one version; the oldest go first).
SIZE = 256


class Answers:
    """Kept answers of one data version, by request key (one per API process)."""

    def __init__(self, size: int = SIZE, *, others: Sequence[Reader] = ()) -> None:
        self._size = size
        #: The other instances holding shards (none: home's last_seq is the version).
        self._others = tuple(others)
        self._version: Version | None = None
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()

    async def get_or_compute(
        self, db: Reader, key: Hashable, compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        """The answer for `key` at the ledger's current version: kept, or computed (and
        kept when the version did not move meanwhile)."""
        version = await self._current(db)
        if version is not None and version == self._version and key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        answer = await compute()
        if version is not None and await self._current(db) == version:
            self._keep(version, key, answer)
        return answer

    async def _current(self, db: Reader) -> Version | None:
        """The data version now (None before the ledger's first migration ran)."""
        if not self._others:
            one: int | None = await db.fetchval(VERSION)
            return one
        rows = await asyncio.gather(*(r.fetchrow(SPREAD_VERSION) for r in (db, *self._others)))
        if any(r is None or r["global_seq"] is None for r in rows):
            return None
        return tuple((int(r[0]), int(r[1]), int(r[2])) for r in rows if r is not None)

    async def json(
        self, db: Reader, key: Hashable, compute: Callable[[], Awaitable[BaseModel]]
    ) -> Response:
        """The answer for `key` as a JSON response, kept as its bytes: those FastAPI sends
        for the model (`by_alias`, as a route's response model is serialized)."""

        async def render() -> bytes:
            return (await compute()).model_dump_json(by_alias=True).encode()

        body: bytes = await self.get_or_compute(db, key, render)
        return Response(body, media_type="application/json")

    def _keep(self, version: Version, key: Hashable, answer: Any) -> None:
        if version != self._version:
            if self._version is not None and _older(version, self._version):
                return  # an older version's answer, computed alongside a newer one's
            self._kept.clear()
            self._version = version
        self._kept[key] = answer
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)


def _older(version: Version, than: Version) -> bool:
    """`version` is behind `than` (every part of a version only grows; per instance, a
    version is behind when no part of it is ahead)."""
    if isinstance(version, int) or isinstance(than, int):
        return isinstance(version, int) and isinstance(than, int) and version < than
    return all(
        a <= b for v, t in zip(version, than, strict=True) for a, b in zip(v, t, strict=True)
    )


def answers(request: Request, name: str) -> Answers:
    """The process's kept answers of one endpoint (`name`), created on first use (over
    every instance's version when shards live on several)."""
    kept: dict[str, Answers] | None = getattr(request.app.state, "answers", None)
    if kept is None:
        kept = request.app.state.answers = {}
    found = kept.get(name)
    if found is None:
        instances = api_context(request).instances
        others = instances.readers[1:] if instances is not None else ()
        found = kept[name] = Answers(others=others)
    return found

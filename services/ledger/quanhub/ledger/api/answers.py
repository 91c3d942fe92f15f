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

A big answer is kept as the JSON the endpoint sends (`Answers.json`): one bytes object
instead of its model's thousands. 256 kept 30-day city KPI reports were 650,000 objects
the garbage collector walked at every full collection (232 ms, stalling every request the
process was answering); their bytes are 256.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from quanhub.ledger.read.params import Reader

#: The ledger's data version: the highest global seq readers may see (every step moves it).
VERSION = "SELECT last_seq FROM ledger_sequence"
#: Answers kept at most (distinct requests of one version; the oldest go first).
SIZE = 256


class Answers:
    """Kept answers of one data version, by request key (one per API process)."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._version: int | None = None
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()

    async def get_or_compute(
        self, db: Reader, key: Hashable, compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        """The answer for `key` at the ledger's current version: kept, or computed (and
        kept when the version did not move meanwhile)."""
        version: int | None = await db.fetchval(VERSION)
        if version is not None and version == self._version and key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        answer = await compute()
        if version is not None and await db.fetchval(VERSION) == version:
            self._keep(version, key, answer)
        return answer

    async def json(
        self, db: Reader, key: Hashable, compute: Callable[[], Awaitable[BaseModel]]
    ) -> Response:
        """The answer for `key` as a JSON response, kept as its bytes: those FastAPI sends
        for the model (`by_alias`, as a route's response model is serialized)."""

        async def render() -> bytes:
            return (await compute()).model_dump_json(by_alias=True).encode()

        body: bytes = await self.get_or_compute(db, key, render)
        return Response(body, media_type="application/json")

    def _keep(self, version: int, key: Hashable, answer: Any) -> None:
        if version != self._version:
            if self._version is not None and version < self._version:
                return  # an older version's answer, computed alongside a newer one's
            self._kept.clear()
            self._version = version
        self._kept[key] = answer
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)


def answers(request: Request, name: str) -> Answers:
    """The process's kept answers of one endpoint (`name`), created on first use."""
    kept: dict[str, Answers] | None = getattr(request.app.state, "answers", None)
    if kept is None:
        kept = request.app.state.answers = {}
    return kept.setdefault(name, Answers())

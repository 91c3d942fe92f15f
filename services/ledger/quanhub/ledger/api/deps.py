"""FastAPI dependencies of the query API, as Annotated aliases used by every route."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.clock import Clock
from quanhub.ledger.api.context import api_context
from quanhub.ledger.settings import LedgerApiSettings

__all__ = ["ClockDep", "DatabaseDep", "PointDatabaseDep", "PrincipalDep", "SettingsDep"]


async def _database(request: Request) -> asyncpg.Pool:
    """The read-only pool (quanhub.ledger.api.app.create_read_pool). Every read builds its
    whole answer in one SQL statement, which the pool runs on a connection it lends for that
    statement only: one statement is one consistent snapshot, so one answer never mixes two
    states, without an explicit transaction."""
    return api_context(request).pool


async def _point_database(request: Request) -> asyncpg.Pool:
    """The read-only pool of the point reads (generic plans: app.POINT_SESSION)."""
    return api_context(request).point_pool


# The dependencies are coroutines: FastAPI runs a plain function dependency in a worker
# thread, a hand-off per request for a dictionary lookup.
async def _clock(request: Request) -> Clock:
    return api_context(request).clock


async def _settings(request: Request) -> LedgerApiSettings:
    return api_context(request).settings


DatabaseDep = Annotated[asyncpg.Pool, Depends(_database)]
PointDatabaseDep = Annotated[asyncpg.Pool, Depends(_point_database)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[LedgerApiSettings, Depends(_settings)]

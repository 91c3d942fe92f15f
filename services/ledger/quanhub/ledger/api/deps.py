"""FastAPI dependencies of the query API, as Annotated aliases used by every route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from fastapi import Depends, Request

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.clock import Clock
from quanhub.ledger.settings import LedgerApiSettings

__all__ = ["ClockDep", "ConnDep", "PrincipalDep", "SettingsDep"]


async def _connection(request: Request) -> AsyncIterator[PoolConnectionProxy]:
    """A pooled connection of the read-only pool (quanhub.ledger.api.app.create_read_pool).

    No explicit transaction: every read builds its whole answer in one SQL statement, and
    one statement is one consistent snapshot, so one answer never mixes two states.
    """
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        yield conn


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _settings(request: Request) -> LedgerApiSettings:
    settings: LedgerApiSettings = request.app.state.settings
    return settings


ConnDep = Annotated[PoolConnectionProxy, Depends(_connection)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[LedgerApiSettings, Depends(_settings)]

"""FastAPI dependencies of the query API, as Annotated aliases used by every route."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.clock import Clock
from quanhub.ledger.api.context import api_context
from quanhub.ledger.edd.store import EddModels
from quanhub.ledger.read.spread import Instances
from quanhub.ledger.settings import LedgerApiSettings

__all__ = [
    "ClockDep",
    "DatabaseDep",
    "EddModelsDep",
    "InstancesDep",
    "PointDatabaseDep",
    "PrincipalDep",
    "SettingsDep",
]


async def _database(request: Request) -> asyncpg.Pool:
    """The read-only pool (quanhub.ledger.api.app.create_read_pool). Every read builds its
    whole answer in one SQL statement, which the pool runs on a connection it lends for that
    statement only: one statement is one consistent snapshot, so one answer never mixes two
    states, without an explicit transaction."""
    return api_context(request).pool


async def _point_database(request: Request) -> asyncpg.Pool:
    """The read-only pool of the point reads (generic plans: app.POINT_SESSION)."""
    return api_context(request).point_pool


async def _instances(request: Request) -> Instances | None:
    """Every instance's reader when shards live on several PostgreSQL instances, else
    None (the point reads then run read.objects' one statement on PointDatabaseDep)."""
    return api_context(request).instances


# The dependencies are coroutines: FastAPI runs a plain function dependency in a worker
# thread, a hand-off per request for a dictionary lookup.
async def _clock(request: Request) -> Clock:
    return api_context(request).clock


async def _settings(request: Request) -> LedgerApiSettings:
    return api_context(request).settings


async def _edd_models(request: Request) -> EddModels:
    """The process's predicted-delivery models (quanhub.ledger.edd.store), made on first
    use over the read pool and kept on app.state: a cache, not a collaborator to wire."""
    models: EddModels | None = getattr(request.app.state, "edd_models", None)
    if models is None:
        context = api_context(request)
        # With shards on several instances, every instance's deliveries teach the model.
        others = context.instances.readers[1:] if context.instances is not None else ()
        models = EddModels(context.pool, others=others)
        request.app.state.edd_models = models
    return models


DatabaseDep = Annotated[asyncpg.Pool, Depends(_database)]
PointDatabaseDep = Annotated[asyncpg.Pool, Depends(_point_database)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[LedgerApiSettings, Depends(_settings)]
EddModelsDep = Annotated[EddModels, Depends(_edd_models)]
InstancesDep = Annotated[Instances | None, Depends(_instances)]

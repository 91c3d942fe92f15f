"""The query API's composition root: create_app(settings) wires routes, pool and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response

from quanhub.common.access import AccessListener, Authenticator, KeyAuthenticator
from quanhub.common.clock import Clock, SystemClock
from quanhub.common.db import create_pool
from quanhub.common.http import (
    document_metadata,
    install_problem_handlers,
    ops_router,
    problem_response,
)
from quanhub.common.metrics_access import guard_metrics
from quanhub.common.service import connect_and_migrate
from quanhub.common.settings import DatabaseSettings, Profile
from quanhub.common.tracehttp import TraceContextMiddleware
from quanhub.ledger.api.context import LedgerApiContext
from quanhub.ledger.api.fairness import FAIR, PartnerFairness, install_fairness
from quanhub.ledger.api.metrics import ApiMetrics
from quanhub.ledger.api.routes import alerts, carriers, customs, edd, incidents, kpis, objects
from quanhub.ledger.api.warmup import warm_up
from quanhub.ledger.dashboard import routes as dashboard
from quanhub.ledger.errors import Forbidden, InvalidQuery, LedgerError, NotFound
from quanhub.ledger.feeds.router import feeds_router
from quanhub.ledger.read.route import Route
from quanhub.ledger.read.spread import Instances
from quanhub.ledger.settings import LedgerApiSettings

#: HTTP status of each ledger error; chosen here and nowhere else.
_STATUS: dict[type[LedgerError], int] = {NotFound: 404, Forbidden: 403, InvalidQuery: 400}


#: Session settings of the API's connections: JIT compiles any query whose cost estimate is
#: high at 100-450 ms a time, which an API answering point reads never earns back; parallel
#: workers start per statement and take the cores the other requests are answered on (a
#: report's generic plan gathered two workers over rollup reads of ~10 ms, 16 ms against
#: 9); and the API only reads, so its sessions refuse writes.
READ_SESSION = {
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "default_transaction_read_only": "on",
}

#: The point reads (one parcel, order or declaration) find every row by key equality, so
#: one generic plan per statement serves every key; left to choose, PostgreSQL re-plans
#: some of them for every call (a parcel's ~0.5 ms of planning, twice its execution).
#: Lists and indicators keep per-call plans: their ranges and filters do change the plan.
POINT_SESSION = {**READ_SESSION, "plan_cache_mode": "force_generic_plan"}


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset: nothing beyond asyncpg's own rollback of an open transaction. The API
    never changes session state (no SET, LISTEN, advisory lock or cursor), so the default
    reset (`RESET ALL`, `UNLISTEN *`, ...) would only cost a round trip per request."""


async def create_read_pool(
    settings: DatabaseSettings, session: dict[str, str] | None = None
) -> asyncpg.Pool:
    """A pool of the API: read-only sessions without JIT (`session`: READ_SESSION, or
    POINT_SESSION), no reset round trip. Each of the API's two pools is sized by
    `QUANHUB_DATABASE_POOL_MIN`/`_MAX`, so one API process holds up to twice that."""
    return await create_pool(settings, server_settings=session or READ_SESSION, reset=_keep_session)


async def open_instances(
    settings: LedgerApiSettings, home: asyncpg.Pool, resources: AsyncExitStack
) -> Instances | None:
    """A read pool on each instance of the shard map beside home's (closed with
    `resources`), or None when every shard is on the home instance."""
    shard_map = settings.shard_map.of(settings.database)
    if shard_map.single:
        return None
    route = Route(shard_map, settings.shard_route.shards, settings.shard_route.canonical_partitions)
    readers = [home]
    for url in shard_map.urls[1:]:
        pool = await create_read_pool(settings.database.model_copy(update={"url": url}))
        resources.push_async_callback(pool.close)
        readers.append(pool)
    return Instances(route, readers)


async def _on_ledger_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LedgerError)  # noqa: S101 - registered for LedgerError only
    status = _STATUS.get(type(exc), 500)
    return problem_response(status, exc.code, exc.message, instance=request.url.path)


def create_app(
    settings: LedgerApiSettings,
    *,
    clock: Clock | None = None,
    authenticator: KeyAuthenticator | None = None,
) -> FastAPI:
    """The ledger API (its LedgerApiContext is built by the lifespan). Tests may pass their
    own clock or authenticator."""
    clock = clock or SystemClock()
    metrics = ApiMetrics()

    fairness = PartnerFairness(settings)  # FAIR below: each partner's rate and slots

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        read = {"server_settings": READ_SESSION, "reset": _keep_session}
        point = {"server_settings": POINT_SESSION, "reset": _keep_session}
        async with AsyncExitStack() as resources:
            pool = await resources.enter_async_context(
                connect_and_migrate(settings.database, migrate=settings.migrate_on_start, **read)
            )
            point_pool = await resources.enter_async_context(
                connect_and_migrate(settings.database, migrate=False, **point)
            )
            listener: AccessListener | None = None
            chosen = authenticator
            if chosen is None:
                real = Authenticator(
                    pool,
                    clock,
                    timedelta(seconds=settings.auth_cache_seconds),
                    allow_demo_keys=settings.profile is Profile.LOCAL,
                )
                # Drops the key cache when a partner is disabled or a key revoked or rotated.
                # Drives the feeds' open streams too (feeds_lifespan): one connection a process.
                listener = AccessListener(settings.database.url, real)
                await listener.start()
                resources.push_async_callback(listener.close)
                chosen = real
            instances = await open_instances(settings, pool, resources)
            # What the first readers would wait for, computed in the background (warmup.py),
            # over every instance when shards live on several.
            others = instances.readers[1:] if instances is not None else ()
            await resources.enter_async_context(warm_up(app, pool, clock, metrics, others))
            app.state.context = LedgerApiContext(
                settings, clock, pool, point_pool, chosen, fairness, listener, instances
            )
            yield

    app = FastAPI(
        title="Quanhub ledger API",
        version="1",
        summary="Where orders, parcels and customs declarations are, and the city's indicators.",
        **document_metadata(settings.port),
        lifespan=lifespan,
    )
    install_fairness(app)

    async def postgres_ready() -> bool:
        context: LedgerApiContext = app.state.context
        async with context.pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT true"))

    install_problem_handlers(app)
    app.add_exception_handler(LedgerError, _on_ledger_error)
    app.add_middleware(TraceContextMiddleware)  # every answer carries its traceparent
    metrics.install(app)
    app.include_router(ops_router(metrics.registry, {"postgres": postgres_ready}))
    app.include_router(objects.router, **FAIR)
    app.include_router(customs.router, **FAIR)
    app.include_router(kpis.router, **FAIR)
    app.include_router(incidents.router, **FAIR)
    app.include_router(edd.router, **FAIR)
    app.include_router(carriers.router, **FAIR)
    app.include_router(alerts.router, **FAIR)
    app.include_router(dashboard.router)
    app.include_router(feeds_router(settings.database, clock=clock), **FAIR)
    guard_metrics(app, settings.metrics, settings.profile)
    return app

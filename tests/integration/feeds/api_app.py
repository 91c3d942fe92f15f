"""A ledger-API-shaped app for feed tests: authentication, problem handlers, feeds_router."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from quanhub.common.access import Authenticator
from quanhub.common.clock import Clock, SystemClock
from quanhub.common.db import create_pool
from quanhub.common.http import install_problem_handlers
from quanhub.common.server import HttpServerSettings, server_config
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.router import feeds_router
from quanhub.ledger.feeds.runtime import FeedSettings

from .support import wait_until


@dataclass(frozen=True)
class _Context:
    """What PrincipalDep reads of an app's context (quanhub.common.access.deps)."""

    authenticator: Authenticator


def make_app(
    database: DatabaseSettings, settings: FeedSettings, *, clock: Clock | None = None
) -> FastAPI:
    """The app; `clock` is the feed routes' (the keys' expiry keeps the real one)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(database)
        app.state.context = _Context(Authenticator(pool, SystemClock()))
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(feeds_router(database, settings, clock=clock))
    return app


@contextlib.asynccontextmanager
async def serving(app: FastAPI, http: HttpServerSettings | None = None) -> AsyncIterator[str]:
    """Serve the app on a free loopback port; yields its base URL. With `http`, served as
    the public APIs are (quanhub.common.server: deadlines and the in-flight bound)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = (
        uvicorn.Config(app, log_config=None, timeout_graceful_shutdown=2)
        if http is None
        else server_config(app, http, timeout_graceful_shutdown=2)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server._serve([sock]))

    async def started() -> bool:
        return server.started

    try:
        await wait_until(started, within=15)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()

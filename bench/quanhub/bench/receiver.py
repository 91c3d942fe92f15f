"""A webhook receiver for the feed-latency probes: records when each probe arrived."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from quanhub.stack import procs


class Arrivals:
    """perf_counter() of the first delivery of each waybill that starts with `prefix`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.at: dict[str, float] = {}
        self.events = 0

    def app(self) -> FastAPI:
        """The receiving app: 204 to every delivery."""
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            """Note the probes in this delivery."""
            now = time.perf_counter()
            for event in orjson.loads(await request.body()).get("events", []):
                self.events += 1
                waybill = event.get("waybill_no") or ""
                if waybill.startswith(self.prefix):
                    self.at.setdefault(waybill, now)
            return Response(status_code=204)

        return app


@asynccontextmanager
async def receiving(prefix: str) -> AsyncIterator[tuple[str, Arrivals]]:
    """Serve a receiver on a free loopback port in this process; yields (url, arrivals)."""
    arrivals = Arrivals(prefix)
    port = procs.free_port()
    config = uvicorn.Config(
        arrivals.app(),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(100):
            if server.started:
                break
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hook", arrivals
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)

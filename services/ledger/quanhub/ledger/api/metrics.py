"""Prometheus metrics of the query API: requests by route and status, and their latency."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram


class ApiMetrics:
    """Requests and latency per route template (never per raw path: waybills are unbounded)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "quanhub_ledger_api_requests_total",
            "Requests answered",
            ["route", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "quanhub_ledger_api_request_seconds",
            "Time to answer a request",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

    def install(self, app: FastAPI) -> None:
        """Measure every request through a middleware."""

        @app.middleware("http")
        async def measure(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            route = request.scope.get("route")
            name = getattr(route, "path", "unmatched")
            self.seconds.labels(name).observe(time.perf_counter() - started)
            self.requests.labels(name, str(response.status_code)).inc()
            return response

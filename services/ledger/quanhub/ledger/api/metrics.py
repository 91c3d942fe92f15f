"""Prometheus metrics of the query API: requests by route and status, and their latency."""

from __future__ import annotations

import time

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
        self.warming = Gauge(
            "quanhub_ledger_api_warming",
            "1 while a piece of the start-up background work (edd_accuracy: the default "
            "period's EDD accuracy days; incidents: the first pass over finished days) runs",
            ["work"],
            registry=self.registry,
        )

    def install(self, app: FastAPI) -> None:
        """Measure every HTTP request, as the outermost of the app's own middleware."""
        app.add_middleware(_Measure, metrics=self)


class _Measure:
    """Plain ASGI middleware (no per-request task, stream or Request object, unlike
    `@app.middleware("http")`): times the request and counts it under its route template
    and the status it answered."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_status)
        # The router put the matched route into the scope on the way in.
        name = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.seconds.labels(name).observe(time.perf_counter() - started)
        self.metrics.requests.labels(name, str(status)).inc()

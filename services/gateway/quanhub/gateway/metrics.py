"""The gateway's Prometheus metrics, in a registry owned by one app instance."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class GatewayMetrics:
    """Counters and timings for POST /v1/events (labels carry no personal data)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "quanhub_gateway_requests",
            "POST /v1/events requests by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.events = Counter(
            "quanhub_gateway_events",
            "Events by partner and outcome (accepted, rejected, unavailable)",
            ["partner", "outcome"],
            registry=self.registry,
        )
        self.fast_path_events = Counter(
            "quanhub_gateway_fast_path_events",
            "Events within the rate limit by who judged them: native (the fast path), python "
            "(protobuf it left to Python, or all of it when off), json (JSON bodies)",
            ["path"],
            registry=self.registry,
        )
        self.fast_path_failures = Counter(
            "quanhub_gateway_fast_path_failures",
            "Requests the native fast path failed on (Python judged them instead)",
            registry=self.registry,
        )
        self.fast_path_enabled = Gauge(
            "quanhub_gateway_fast_path_enabled",
            "1 when the native fast path judges protobuf bodies, 0 when Python does all",
            registry=self.registry,
        )
        self.publish_seconds = Histogram(
            "quanhub_gateway_publish_seconds",
            "Time from producing a batch to Kafka acknowledging all of it",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )

"""The service table: every process `quanhub run` supervises, in start order."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One service process, started as `python -m <module>`."""

    name: str
    module: str
    #: The variable the service reads its HTTP port from (API or ops-only /readyz).
    port_variable: str
    default_port: int
    #: Whether users talk to it (its URL is printed) or it only serves ops endpoints.
    public: bool
    summary: str

    def port(self, env: dict[str, str] | None = None) -> int:
        """The port this service will listen on, given the environment it gets."""
        env = dict(os.environ) if env is None else env
        return int(env.get(self.port_variable, self.default_port))

    def installed(self) -> bool:
        """Whether `python -m <module>` would run (another engineer may still be writing it)."""
        try:
            return importlib.util.find_spec(f"{self.module}.__main__") is not None
        except ModuleNotFoundError:
            return False


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "gateway",
        "quanhub.gateway",
        "QUANHUB_GATEWAY_PORT",
        8080,
        True,
        "partner ingest API (POST /v1/events)",
    ),
    ServiceSpec(
        "normalizer",
        "quanhub.normalizer",
        "QUANHUB_NORMALIZER_PORT",
        8082,
        False,
        "raw topics -> canonical topic",
    ),
    ServiceSpec(
        "ledger-consumer",
        "quanhub.ledger.consumer",
        "QUANHUB_LEDGER_CONSUMER_PORT",
        8083,
        False,
        "canonical topic -> PostgreSQL",
    ),
    ServiceSpec(
        "ledger-api",
        "quanhub.ledger.api",
        "QUANHUB_LEDGER_API_PORT",
        8081,
        True,
        "queries, customs views, feeds, dashboard",
    ),
    ServiceSpec(
        "dispatcher",
        "quanhub.ledger.dispatcher",
        "QUANHUB_DISPATCHER_PORT",
        8084,
        False,
        "webhook deliveries",
    ),
    ServiceSpec(
        "watcher",
        "quanhub.ledger.watcher",
        "QUANHUB_WATCHER_PORT",
        8085,
        False,
        "insight events: predicted deliveries, alerts",
    ),
)


def service(name: str) -> ServiceSpec:
    """The table entry called `name` (KeyError when there is none)."""
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)

"""A set of services started against given settings on free ports (e2e tests, tooling).

The services run exactly as `quanhub run` runs them (quanhub.stack.supervisor), but with
the caller's topic namespace and database, each on a free port, so several sets can run
beside `make run` without touching its services or data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.stack import procs
from quanhub.stack.errors import StackError
from quanhub.stack.prepare import prepare
from quanhub.stack.services import SERVICES, ServiceSpec, service
from quanhub.stack.settings import StackPaths
from quanhub.stack.supervisor import Backoff, Supervisor

#: The walking skeleton: what end-to-end tests need running.
E2E_SERVICES = ("gateway", "normalizer", "ledger-consumer", "ledger-api")


@dataclass(slots=True)
class RunningServices:
    """The started services: where to reach them, demo keys, and their supervisor."""

    supervisor: Supervisor
    env: dict[str, str]
    demo_keys: dict[str, str] = field(default_factory=dict)

    def url(self, name: str) -> str:
        """Base URL of a service, e.g. url("gateway") -> http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{service(name).port(self.env)}"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    @property
    def ledger_url(self) -> str:
        return self.url("ledger-api")

    def log(self, name: str) -> str:
        """A service's log so far (for assertions and failure messages)."""
        return self.supervisor.paths.log_file(name).read_text(errors="replace")

    async def stop(self) -> None:
        """Stop every service of the set."""
        await self.supervisor.stop()


def service_env(kafka: KafkaSettings, database: DatabaseSettings) -> dict[str, str]:
    """Environment for services bound to these settings, each service on a free port."""
    env = {
        **os.environ,
        "QUANHUB_PROFILE": "local",
        "QUANHUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka.topic_namespace,
        "QUANHUB_KAFKA_PARTITIONS": str(kafka.partitions),
        "QUANHUB_KAFKA_CANONICAL_PARTITIONS": str(kafka.canonical_partitions),
        "QUANHUB_DATABASE_URL": database.url,
    }
    for spec in SERVICES:
        env[spec.port_variable] = str(procs.free_port())
    return env


async def start_services(
    names: tuple[str, ...],
    kafka: KafkaSettings,
    database: DatabaseSettings,
    root: Path,
    *,
    ready_timeout_s: float = 60.0,
) -> RunningServices:
    """Prepare the servers, start the named services, wait for every /readyz.

    Raises StackError (with the logs' last lines) when a service is not installed or
    does not get ready in time; nothing is left running then.
    """
    specs: list[ServiceSpec] = [service(name) for name in names]
    missing = [s.module for s in specs if not s.installed()]
    if missing:
        msg = f"services not installed: {', '.join(missing)}"
        raise StackError(msg)
    prepared = await prepare(kafka, database)
    env = service_env(kafka, database)
    supervisor = Supervisor(specs, env=env, paths=StackPaths.under(root), backoff=Backoff(0.5, 5))
    supervisor.start()
    ready = await supervisor.wait_ready(timeout_s=ready_timeout_s)
    not_ready = [name for name, ok in ready.items() if not ok]
    if not_ready:
        await supervisor.stop(timeout_s=5)
        tails = "\n".join(
            f"--- {name} ({supervisor.paths.log_file(name)}):\n"
            + procs.tail(supervisor.paths.log_file(name), 40)
            for name in not_ready
        )
        failed = ", ".join(not_ready)
        msg = f"not ready (crashing, or silent for {ready_timeout_s:.0f}s): {failed}\n{tails}"
        raise StackError(msg)
    return RunningServices(supervisor, env, prepared.demo_keys)

"""Which Kafka and PostgreSQL a test session uses: configured, the local stack, or containers.

Order: servers named by QUANHUB_KAFKA_BOOTSTRAP / QUANHUB_DATABASE_URL; otherwise the
local stack (reused when something already answers on its ports, started when not); and
only when that cannot start, no server is configured and Docker answers, throwaway
testcontainers. A missing server is an error, never a reason to skip.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from quanhub.stack.errors import StackError
from quanhub.stack.manager import Stack
from quanhub.stack.settings import StackSettings, resolve_servers

#: Images for the Docker path.
#: testcontainers' Kafka module runs KRaft on Confluent images; 7.9 is Apache Kafka 3.9.
KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"
POSTGRES_IMAGE = "postgres:15"


@dataclass(slots=True)
class TestServers:
    """Addresses for the session, where they came from, and how to release them."""

    __test__ = False  # not a pytest test class

    kafka_bootstrap: str
    database_url: str
    source: str
    _cleanups: list[Callable[[], object]] = field(default_factory=list)

    def close(self) -> None:
        """Stop whatever this object started for the session (containers only)."""
        while self._cleanups:
            with contextlib.suppress(Exception):
                self._cleanups.pop()()


def find_test_servers(settings: StackSettings | None = None) -> TestServers:
    """Configured servers, else the local stack (started if needed), else testcontainers."""
    settings = settings or StackSettings()
    servers = resolve_servers(settings)
    if servers.kafka_external and servers.database_external:
        return TestServers(servers.kafka_bootstrap, servers.database_url, "configured")
    try:
        Stack(settings, servers).up(reuse_running=True)
    except StackError as exc:
        if servers.kafka_external or servers.database_external or not docker_available():
            raise
        return _containers(reason=exc.message)
    return TestServers(servers.kafka_bootstrap, servers.database_url, "local stack")


def docker_available() -> bool:
    """Whether a Docker daemon answers (the testcontainers path needs one)."""
    docker = shutil.which("docker")
    if docker is None:
        return False
    result = subprocess.run(  # noqa: S603
        [docker, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        check=False,
        timeout=20,
    )
    return result.returncode == 0


def _containers(reason: str) -> TestServers:  # pragma: no cover - Docker cannot run here
    """Kafka and PostgreSQL in throwaway containers (needs the `docker` extra)."""
    try:
        kafka_module = importlib.import_module("testcontainers.kafka")
        postgres_module = importlib.import_module("testcontainers.postgres")
    except ImportError as exc:
        msg = (
            f"the local stack cannot start ({reason}) and testcontainers is not installed: "
            "pip install -e '.[docker]'"
        )
        raise StackError(msg) from exc
    kafka = kafka_module.KafkaContainer(KAFKA_IMAGE).with_kraft()
    postgres = postgres_module.PostgresContainer(
        POSTGRES_IMAGE,
        username="quanhub",
        password="quanhub",  # noqa: S106 (a throwaway container)
        dbname="quanhub",
        driver=None,
    )
    kafka.start()
    try:
        postgres.start()
    except Exception:
        kafka.stop()
        raise
    result = TestServers(
        kafka.get_bootstrap_server(), postgres.get_connection_url(), "testcontainers"
    )
    result._cleanups.extend([kafka.stop, postgres.stop])
    return result

"""A Kafka and a PostgreSQL of the chaos run's own (quanhub.stack on free ports, own state
directory), which the run may kill and restart; the shared dev stack is never touched.
With two instances, a second PostgreSQL (quanhub.stack.second_postgres's settings) holds
every other ledger shard."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from quanhub.stack import procs
from quanhub.stack.kafka_server import LocalKafka, metadata_answers
from quanhub.stack.manager import Stack
from quanhub.stack.postgres_server import LocalPostgres, database_answers
from quanhub.stack.second_postgres import second_settings
from quanhub.stack.settings import StackSettings, resolve_servers

#: Ports the shared dev stack and `make run` use; a chaos stack must never take them.
_RESERVED = frozenset({5432, 8080, 8081, 8082, 8083, 8084, 9092, 9093, 9094})


def _free_port() -> int:
    while True:
        port = procs.free_port()
        if port not in _RESERVED:
            return port


@dataclass(slots=True)
class ChaosServers:
    """The run's own servers: addresses, and kill/restart of each."""

    settings: StackSettings
    #: The second PostgreSQL's settings (None: one instance holds every shard).
    second: StackSettings | None = None

    @classmethod
    def create(cls, root: Path, *, instances: int = 1) -> ChaosServers:
        """Settings for a stack under `root` on free ports, with `instances` PostgreSQL
        (one or two; nothing started yet)."""
        settings = StackSettings(
            dir=root,
            kafka_port=_free_port(),
            kafka_controller_port=_free_port(),
            kafka_sasl_port=_free_port(),
            pg_port=_free_port(),
            kafka_heap_min="256m",
            kafka_heap_max="640m",
            pg_shared_buffers="128MB",
        )
        second = None
        if instances == 2:
            second = second_settings(settings).model_copy(update={"pg_port": _free_port()})
        elif instances != 1:
            msg = f"a chaos run has one or two PostgreSQL instances, not {instances}"
            raise ValueError(msg)
        return cls(settings, second)

    @property
    def kafka_bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    @property
    def database_url(self) -> str:
        return self.settings.database_url

    @property
    def database_urls(self) -> list[str]:
        """Every PostgreSQL holding shards, the home one first."""
        return [self.database_url] + ([self.second.database_url] if self.second else [])

    def _stack(self) -> Stack:
        # env={} : QUANHUB_KAFKA_BOOTSTRAP / QUANHUB_DATABASE_URL of the caller (they may
        # name the shared stack) must not make this stack "external".
        return Stack(self.settings, resolve_servers(self.settings, env={}))

    def up(self) -> None:
        """Start the servers (blocking; call through asyncio.to_thread)."""
        self._stack().up()
        if self.second is not None:
            LocalPostgres(self.second).start()

    def down(self) -> None:
        """Stop the servers and delete their data."""
        if self.second is not None:
            second = LocalPostgres(self.second)
            second.stop()
            second.purge()
        self._stack().down(purge=True)

    async def kill_kafka(self) -> None:
        """SIGKILL the broker (no controlled shutdown), then start it again."""
        kafka = LocalKafka(self.settings)
        pid = kafka.pid()
        if pid is None:
            msg = "the chaos Kafka is not running"
            raise RuntimeError(msg)
        os.kill(pid, signal.SIGKILL)
        await _until_dead(pid)
        s = self.settings
        for port in (s.kafka_port, s.kafka_controller_port, s.kafka_sasl_port):
            await _until_free(port)
        await asyncio.to_thread(kafka.start)

    async def crash_postgres(self, *, second: bool = False) -> None:
        """Immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start),
        then start PostgreSQL (the home one, or the `second`) again."""
        settings = self.second if second else self.settings
        if settings is None:
            msg = "the chaos run has no second PostgreSQL"
            raise RuntimeError(msg)
        postgres = LocalPostgres(settings)
        pid = postgres.pid()
        if pid is None:
            msg = "the chaos PostgreSQL is not running"
            raise RuntimeError(msg)
        os.kill(pid, signal.SIGQUIT)
        await _until_dead(pid)
        await _until_free(settings.pg_port)
        await asyncio.to_thread(postgres.start)

    def kafka_answers(self) -> bool:
        return metadata_answers(self.kafka_bootstrap)

    def postgres_answers(self) -> bool:
        return database_answers(self.database_url)


async def _until_dead(pid: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while procs.is_alive(pid):
        if time.monotonic() > deadline:
            msg = f"process {pid} still alive {timeout_s:.0f}s after the signal"
            raise RuntimeError(msg)
        await asyncio.sleep(0.1)


async def _until_free(port: int, timeout_s: float = 120.0) -> None:
    """Wait until the port can be bound again: connections the killed server held open
    linger (FIN_WAIT2) until their clients close their side."""
    deadline = time.monotonic() + timeout_s
    while not procs.port_is_free(port):
        if time.monotonic() > deadline:
            msg = f"port {port} still busy {timeout_s:.0f}s after its server died"
            raise RuntimeError(msg)
        await asyncio.sleep(0.2)

"""`stack up | down | status`: both servers together, idempotent, external servers left alone."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from quanhub.stack import procs
from quanhub.stack.errors import StartFailed
from quanhub.stack.kafka_server import LocalKafka, metadata_answers
from quanhub.stack.postgres_server import LocalPostgres, database_answers
from quanhub.stack.second_postgres import second_settings
from quanhub.stack.settings import Servers, StackSettings, resolve_servers
from quanhub.stack.status import ServerStatus, State

#: Called with a line of progress ("starting Kafka …"); the CLI shows it with rich.
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


class Stack:
    """The local Kafka and PostgreSQL, or the configured external servers instead."""

    def __init__(self, settings: StackSettings | None = None, servers: Servers | None = None):
        self.settings = settings or StackSettings()
        self.servers = servers or resolve_servers(self.settings)
        self.kafka = LocalKafka(self.settings)
        self.postgres = LocalPostgres(self.settings)

    def up(self, progress: Progress = _quiet, *, reuse_running: bool = False) -> list[ServerStatus]:
        """Start what is not running (twice is harmless); return the status of both.

        With reuse_running, a healthy server that this state directory did not start but
        that answers at the configured address (another checkout's stack, a hand-started
        one) is used as it is instead of being an error.
        """
        with self._lock():
            if self.servers.database_external:
                progress(f"PostgreSQL is external ({_redact(self.servers.database_url)})")
            elif reuse_running and self._foreign_answers(self.postgres):
                progress(f"PostgreSQL already answers at {self.servers.database_url}; using it")
            else:
                self._up_one("PostgreSQL", self.postgres, progress)
            if self.servers.kafka_external:
                progress(f"Kafka is external ({self.servers.kafka_bootstrap})")
            elif reuse_running and self._foreign_answers(self.kafka):
                progress(f"Kafka already answers at {self.servers.kafka_bootstrap}; using it")
            else:
                self._up_one("Kafka", self.kafka, progress)
        return self.status()

    def _foreign_answers(self, server: LocalKafka | LocalPostgres) -> bool:
        """Whether a server we did not start answers at our address."""
        if server.pid() is not None:
            return False
        if isinstance(server, LocalKafka):
            return metadata_answers(self.servers.kafka_bootstrap)
        return database_answers(self.servers.database_url)

    def down(self, *, purge: bool = False, progress: Progress = _quiet) -> list[str]:
        """Stop only what `up` started (by pid file), and the second PostgreSQL the shard
        tests start beside it (second_postgres.py); with purge, delete the data too."""
        stopped: list[str] = []
        second = LocalPostgres(second_settings(self.settings))
        with self._lock():
            for name, server in (
                ("Kafka", self.kafka),
                ("PostgreSQL", self.postgres),
                ("second PostgreSQL", second),
            ):
                if server is second and second.pid() is None and not purge:
                    continue  # never started here: nothing to say
                progress(f"stopping {name}")
                if server.stop():
                    stopped.append(name)
                if purge:
                    progress(f"deleting {name} data")
                    server.purge()
        return stopped

    def status(self) -> list[ServerStatus]:
        """One line per server: running, unhealthy, stopped or external."""
        result: list[ServerStatus] = []
        if self.servers.kafka_external:
            result.append(ServerStatus("kafka", State.EXTERNAL, self.servers.kafka_bootstrap))
        else:
            result.append(self.kafka.status())
        if self.servers.database_external:
            address = _redact(self.servers.database_url)
            result.append(ServerStatus("postgres", State.EXTERNAL, address))
        else:
            result.append(self.postgres.status())
        return result

    def _up_one(self, label: str, server: LocalKafka | LocalPostgres, progress: Progress) -> None:
        if server.pid() is None:
            progress(f"starting {label}")
            started = time.monotonic()
            pid = server.start()
            progress(f"{label} started (pid {pid}, {time.monotonic() - started:.1f}s)")
            return
        # Ours and alive: perhaps still starting (another `up` a moment ago); wait for it.
        timeout = self.settings.kafka_start_timeout_s
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = server.status()
            if current.state is State.RUNNING:
                progress(f"{label} already running (pid {current.pid})")
                return
            if current.state is State.STOPPED:
                self._up_one(label, server, progress)
                return
            time.sleep(0.5)
        reason = f"running (pid {server.pid()}) but not answering after {timeout:.0f}s"
        raise StartFailed(label, reason, server.log_file, procs.tail(server.log_file))

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise concurrent up/down calls on one state directory."""
        run = self.settings.paths.run
        run.mkdir(parents=True, exist_ok=True)
        with (run / "stack.lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _redact(url: str) -> str:
    """A database URL without its password, for display."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))

"""The faults a chaos run injects, in turn: SIGKILL of each service process (the supervisor
restarts it), a SIGKILLed Kafka and a crashed PostgreSQL (both started again; with ledger
shards on two instances, the second PostgreSQL is crashed too)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from chaos_servers import ChaosServers

from quanhub.stack.servicegroup import RunningServices

#: The order faults come in; a run cycles through it.
FAULTS: tuple[str, ...] = (
    "kill:gateway",
    "kill:normalizer",
    "kill:ledger-consumer",
    "kill:dispatcher",
    "restart:kafka",
    "restart:postgres",
    "kill:ledger-api",
)
#: The fault a run with a second PostgreSQL adds.
SECOND_POSTGRES = "restart:postgres2"


def faults_for(instances: int) -> tuple[str, ...]:
    """The faults of a run whose ledger shards are on `instances` PostgreSQL."""
    return FAULTS if instances == 1 else (*FAULTS, SECOND_POSTGRES)


@dataclass(slots=True)
class FaultLog:
    """Which faults were injected, and how long each took to heal."""

    done: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    #: Faults after which a service did not get ready in time (with its process state).
    stuck: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.done.values())

    def summary(self) -> str:
        parts = []
        for name, count in sorted(self.done.items()):
            worst = max(self.seconds.get(name, [0.0]))
            parts.append(f"{name} x{count} (max {worst:.1f}s)")
        return ", ".join(parts)


class FaultInjector:
    """Applies one named fault and waits until every service answers /readyz again."""

    def __init__(self, services: RunningServices, servers: ChaosServers, log: FaultLog):
        self._services = services
        self._servers = servers
        self.log = log

    async def inject(self, name: str) -> None:
        """Apply `name` (one of FAULTS) and wait for recovery (RuntimeError if none)."""
        started = time.monotonic()
        action, _, target = name.partition(":")
        if action == "kill":
            await self._kill(target)
        elif target == "kafka":
            await self._servers.kill_kafka()
        else:
            await self._servers.crash_postgres(second=target == "postgres2")
        try:
            await self._await_ready(timeout_s=120)
        except RuntimeError as exc:
            # Not healed: a finding in itself. Record it with what the stuck process was
            # doing, kill it so the supervisor starts a fresh one, and go on if that heals.
            self.log.stuck.append(f"{name}: {exc}")
            for service in self._unready_services(str(exc)):
                self.log.stuck.append(f"{service}: {_process_state(self._services, service)}")
                with contextlib.suppress(ProcessLookupError, TypeError):
                    os.kill(self._services.supervisor.pid(service), signal.SIGKILL)  # type: ignore[arg-type]
            await self._await_ready(timeout_s=120)
        self.log.done[name] += 1
        self.log.seconds.setdefault(name, []).append(time.monotonic() - started)

    def _unready_services(self, message: str) -> list[str]:
        names = message.partition(": ")[2].split("\n", 1)[0]
        return [
            n.strip() for n in names.split(",") if n.strip() in self._services.supervisor.children
        ]

    async def _kill(self, service: str) -> None:
        supervisor = self._services.supervisor
        pid = await _wait_for(lambda: supervisor.pid(service), 60, f"{service} to run")
        restarts = supervisor.restarts(service)
        os.kill(pid, signal.SIGKILL)

        async def restarted() -> bool:
            return supervisor.restarts(service) > restarts and supervisor.pid(service) is not None

        await _poll(restarted, 60, f"{service} to be restarted")

    async def _await_ready(self, timeout_s: float) -> None:
        """Poll every service's /readyz until all answer 200 (our own poll: the
        supervisor's wait_ready gives up on a service "crashing" 3 times within a minute,
        and here every SIGKILL counts as a crash)."""
        names = list(self._services.supervisor.children)
        pending = set(names)
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while pending and time.monotonic() < deadline:
                for name in list(pending):
                    with contextlib.suppress(httpx.HTTPError):
                        response = await client.get(f"{self._services.url(name)}/readyz")
                        if response.status_code == 200:
                            pending.discard(name)
                if pending:
                    await asyncio.sleep(0.2)
        if pending:
            stuck = sorted(pending)
            tails = "\n".join(f"--- {n}:\n{self._services.log(n)[-3000:]}" for n in stuck)
            msg = f"not ready {timeout_s:.0f}s after a fault: {', '.join(stuck)}\n{tails}"
            raise RuntimeError(msg)


def _process_state(services: RunningServices, name: str) -> str:
    """State and kernel wait channel of a service's process (why it may be stuck)."""
    pid = services.supervisor.pid(name)
    if pid is None:
        return "no process"
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError as exc:
        return f"pid {pid}: {exc}"
    state = next((line for line in status if line.startswith("State:")), "State: ?")
    log_tail = services.log(name)[-600:].replace("\n", " | ")
    return f"pid {pid} {state} wchan={wchan}; log tail: {log_tail}"


async def _wait_for(get: Callable[[], int | None], timeout_s: float, what: str) -> int:
    deadline = time.monotonic() + timeout_s
    while (value := get()) is None:
        if time.monotonic() > deadline:
            msg = f"timed out waiting for {what}"
            raise RuntimeError(msg)
        await asyncio.sleep(0.1)
    return value


async def _poll(check: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            msg = f"timed out waiting for {what}"
            raise RuntimeError(msg)
        await asyncio.sleep(0.1)

"""Run the services as child processes: pid files, logs, restart with backoff, clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from quanhub.stack import procs
from quanhub.stack.services import ServiceSpec
from quanhub.stack.settings import StackPaths

log = structlog.get_logger(__name__)

#: Receives one human-readable line per supervision event (the CLI prints it).
Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Restart delays: initial, doubled per crash up to cap; reset after a stable run."""

    initial_s: float = 1.0
    cap_s: float = 30.0
    stable_after_s: float = 60.0

    def delay(self, crashes: int) -> float:
        return float(min(self.cap_s, self.initial_s * 2 ** max(0, crashes - 1)))


@dataclass(slots=True)
class _Child:
    spec: ServiceSpec
    process: asyncio.subprocess.Process | None = None
    crashes: int = 0
    restarts: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Supervisor:
    """Keeps a set of services running until stop(); one log and one pid file each."""

    def __init__(
        self,
        specs: list[ServiceSpec],
        *,
        env: dict[str, str],
        paths: StackPaths,
        report: Report | None = None,
        backoff: Backoff | None = None,
        python: str = sys.executable,
    ) -> None:
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.paths = paths
        self.report: Report = report or (lambda line: None)
        self.backoff = backoff or Backoff()
        self.python = python
        self.skipped = [s for s in specs if not s.installed()]
        self.children = {s.name: _Child(s) for s in specs if s.installed()}
        self._stopping = asyncio.Event()

    def start(self) -> None:
        """Spawn every installed service (each kept alive by its own task)."""
        self.paths.run.mkdir(parents=True, exist_ok=True)
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        for spec in self.skipped:
            self.report(f"{spec.name}: not installed ({spec.module}), skipped")
        for child in self.children.values():
            child.task = asyncio.create_task(self._keep_running(child), name=child.spec.name)

    def pid(self, name: str) -> int | None:
        """The current pid of a service (None while it is down)."""
        process = self.children[name].process
        return None if process is None or process.returncode is not None else process.pid

    def restarts(self, name: str) -> int:
        """How many times a service was restarted after dying."""
        return self.children[name].restarts

    async def wait_ready(
        self, timeout_s: float = 60.0, *, give_up_after: int = 3
    ) -> dict[str, bool]:
        """Poll each service's /readyz until all answer 200 or the time is up.

        A service that has crashed `give_up_after` times without getting ready counts as
        not ready at once (it keeps being restarted), so a broken service fails fast.
        """
        import httpx

        pending = set(self.children)
        ready: dict[str, bool] = dict.fromkeys(self.children, False)
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while pending and time.monotonic() < deadline:
                pending -= {n for n in pending if self.children[n].crashes >= give_up_after}
                for name in list(pending):
                    url = f"http://127.0.0.1:{self.children[name].spec.port(self.env)}/readyz"
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(url)).status_code == 200:
                            ready[name] = True
                            pending.discard(name)
                if pending:
                    await asyncio.sleep(0.2)
        return ready

    async def wait(self) -> None:
        """Return once stop() has been called and every child has exited."""
        await self._stopping.wait()
        tasks = [c.task for c in self.children.values() if c.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM every child, SIGKILL those still alive after timeout_s, drop pid files."""
        self._stopping.set()
        alive = [
            (c.spec.name, c.process)
            for c in self.children.values()
            if c.process is not None and c.process.returncode is None
        ]
        for _, process in alive:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for name, process in alive:
            try:
                await asyncio.wait_for(process.wait(), timeout_s)
            except TimeoutError:
                self.report(f"{name}: did not stop in {timeout_s:.0f}s, killing")
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        tasks = [c.task for c in self.children.values() if c.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        for name in self.children:
            self.paths.pid_file(name).unlink(missing_ok=True)

    async def _keep_running(self, child: _Child) -> None:
        spec = child.spec
        while not self._stopping.is_set():
            started = time.monotonic()
            process = await self._spawn(spec)
            child.process = process
            if self._stopping.is_set():  # stop() began while we were spawning
                process.terminate()
                await process.wait()
                return
            procs.write_pid(self.paths.pid_file(spec.name), process.pid)
            log.info("service_started", service=spec.name, pid=process.pid)
            code = await process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= self.backoff.stable_after_s:
                child.crashes = 0
            child.crashes += 1
            delay = self.backoff.delay(child.crashes)
            log.warning("service_exited", service=spec.name, code=code, restart_in_s=delay)
            self.report(
                f"{spec.name}: exited with status {code}; restarting in {delay:.0f}s "
                f"(log: {self.paths.log_file(spec.name)})"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            child.restarts += 1

    async def _spawn(self, spec: ServiceSpec) -> asyncio.subprocess.Process:
        with self.paths.log_file(spec.name).open("ab") as out:
            return await asyncio.create_subprocess_exec(
                self.python,
                "-m",
                spec.module,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
                # Own session: Ctrl-C reaches only the supervisor, which stops children
                # in order instead of every process racing to exit at once.
                start_new_session=True,
            )

"""Several gateway processes on one port (QUANHUB_GATEWAY_WORKERS above 1).

Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads new connections
over the workers. (On one shared socket, whichever worker wakes first accepts a whole burst
of connections, and partners keep their connections alive: that worker would carry them
all.) The parent binds every socket before any worker starts, so a busy port fails at once;
it restarts a worker that dies: at once if it had been running a while (connections
reaching its socket meanwhile wait in the backlog), after a doubling pause if it died young
(its socket closed meanwhile, so new connections go to the other workers). SIGTERM or
SIGINT stops them all; a worker whose parent is gone stops by itself.

Metrics: the parent makes a private directory for prometheus_client's multiprocess mode
(inside PROMETHEUS_MULTIPROC_DIR if that is set), the workers write their samples there,
/metrics on any worker sums them, and the parent removes it at the end.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

import structlog
import uvicorn

from quanhub.common.http import MULTIPROCESS_METRICS_ENV
from quanhub.common.logging import configure_logging
from quanhub.common.server import server_config
from quanhub.common.service import on_signals
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)
#: Seconds the workers together have to finish their requests after SIGTERM before they
#: are killed (below the 15 s the local stack's supervisor gives the whole gateway).
STOP_GRACE_SECONDS = 10.0
#: A worker that dies sooner than this after its start is restarted after a pause that
#: doubles each time (up to RESTART_MAX_SECONDS), so a worker that cannot start (PostgreSQL
#: refusing, bad settings) does not spin; one that ran longer is restarted at once.
RESTART_QUICK_SECONDS = 10.0
RESTART_FIRST_SECONDS = 0.5
RESTART_MAX_SECONDS = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port that other sockets may share (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _serve(sock: socket.socket, parent: int) -> None:
    """One worker process: its own app (settings from the environment) on `sock`, until
    SIGTERM or until `parent` is no longer its parent (killed: nobody would stop it)."""
    if os.getppid() != parent:
        return  # the supervisor died while this worker was starting
    settings = GatewaySettings()  # read from the environment once, for the app and server
    configure_logging(settings.log_level, json=settings.log_json)
    server = uvicorn.Server(server_config(create_app(settings), settings.server()))

    def watch_parent() -> None:
        while not server.should_exit:
            if os.getppid() != parent:
                log.warning("gateway_supervisor_gone", parent=parent)
                server.should_exit = True  # uvicorn's loop checks it every 0.1 s
                return
            time.sleep(1)

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()
    server.run(sockets=[sock])


def restart_pause(previous: float, *, lived: float) -> float:
    """Seconds to wait before restarting a worker that died after `lived` seconds, when the
    pause before its last start was `previous`."""
    if lived >= RESTART_QUICK_SECONDS:
        return 0.0
    return min(previous * 2 or RESTART_FIRST_SECONDS, RESTART_MAX_SECONDS)


@dataclass(slots=True)
class _Slot:
    """One worker's place: its socket (None while it waits to restart after a pause), its
    process, and when it may start again."""

    index: int
    sock: socket.socket | None
    process: BaseProcess | None = None
    started: float = 0.0
    pause: float = 0.0
    restart_at: float = 0.0


class _Workers:
    """The parent's side: start, watch, restart and stop the worker processes."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self._spawn = multiprocessing.get_context("spawn")
        # Bound before any worker starts: a port in use fails here, at once.
        self.slots = [
            _Slot(i, listening_socket(settings.host, settings.port))
            for i in range(settings.workers)
        ]

    def start(self, slot: _Slot) -> None:
        if slot.sock is None:
            try:
                slot.sock = listening_socket(self._settings.host, self._settings.port)
            except OSError as exc:
                self._failed(slot, f"cannot listen: {exc}", lived=0.0)
                return
        process = self._spawn.Process(
            target=_serve, args=(slot.sock, os.getpid()), name=f"gateway-{slot.index}"
        )
        process.start()
        slot.process, slot.started = process, time.monotonic()
        log.info("gateway_worker_started", worker=slot.index, pid=process.pid)

    def tend(self) -> None:
        """Note workers that ended, start those due (every one, the first time), then wait
        up to half a second for one to end."""
        for slot in self.slots:
            process = slot.process
            if process is not None and not process.is_alive():
                slot.process = None
                lived = time.monotonic() - slot.started
                self._failed(slot, f"exited with code {process.exitcode}", lived=lived)
            if slot.process is None and time.monotonic() >= slot.restart_at:
                self.start(slot)
        wait([s.process.sentinel for s in self.slots if s.process is not None], timeout=0.5)

    def _failed(self, slot: _Slot, why: str, *, lived: float) -> None:
        slot.pause = restart_pause(slot.pause, lived=lived)
        slot.restart_at = time.monotonic() + slot.pause
        if slot.pause and slot.sock is not None:
            # Its backlog would wait the whole pause: send new connections elsewhere.
            slot.sock.close()
            slot.sock = None
        log.warning(
            "gateway_worker_down", worker=slot.index, why=why, restart_in_seconds=slot.pause
        )

    def stop(self) -> None:
        """SIGTERM every worker (uvicorn finishes the requests in progress), stop listening,
        and kill whatever is still running when the grace period is over."""
        processes = [s.process for s in self.slots if s.process is not None]
        for process in processes:
            process.terminate()
        for slot in self.slots:
            if slot.sock is not None:
                slot.sock.close()  # new connections are refused now, not left queued
                slot.sock = None
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()


class Supervisor:
    """The App of a gateway of several workers (quanhub.common.service's shape): the parent
    process, which serves nothing itself."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Serve with `settings.workers` processes until stopped or SIGTERM/SIGINT."""
        given = os.environ.get(MULTIPROCESS_METRICS_ENV) or None
        metrics_dir = tempfile.mkdtemp(prefix="quanhub-gateway-metrics-", dir=given)
        os.environ[MULTIPROCESS_METRICS_ENV] = metrics_dir  # read by the workers at import
        workers: _Workers | None = None
        try:
            with on_signals(self._stopping.set):
                workers = _Workers(self.settings)
                log.info("gateway_workers", workers=self.settings.workers, port=self.settings.port)
                while not self._stopping.is_set():
                    # Blocks up to half a second waiting for a worker to end: off the loop,
                    # which meanwhile notices the signal.
                    await asyncio.to_thread(workers.tend)
                log.info("gateway_stopping")
        finally:
            if workers is not None:
                workers.stop()
            shutil.rmtree(metrics_dir, ignore_errors=True)

    def stop(self) -> None:
        """Ask `run` to stop every worker and return."""
        self._stopping.set()

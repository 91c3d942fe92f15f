"""Several gateway processes on one port (QUANHUB_GATEWAY_WORKERS above 1).

Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads new connections
over the workers. (On one shared socket, whichever worker wakes first accepts a whole burst
of connections, and partners keep their connections alive: that worker would carry them
all.) The parent binds every socket before any worker starts, so a busy port fails at once;
it restarts a worker that dies (at once if it had been running a while, after a doubling
pause if it died young; connections reaching its socket meanwhile wait in the backlog) and
stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

import structlog
import uvicorn

from quanhub.gateway.app import app_from_environment
from quanhub.gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)
#: Seconds a worker has to finish its requests after SIGTERM before it is killed.
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
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _serve(sock: socket.socket) -> None:
    """One worker process: its own app (settings from the environment) on `sock`, until
    SIGTERM or until its parent is gone (killed: nobody would stop or restart it)."""
    config = uvicorn.Config(
        app_from_environment(), log_config=None, access_log=False, server_header=False
    )
    server = uvicorn.Server(config)
    parent = os.getppid()

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
class _Worker:
    """One worker slot: its socket, its current process, and when it may start again."""

    sock: socket.socket
    process: BaseProcess | None = None
    started: float = 0.0
    pause: float = 0.0
    restart_at: float = 0.0


def run_workers(settings: GatewaySettings) -> None:
    """Serve with `settings.workers` processes until SIGTERM or SIGINT."""
    spawn = multiprocessing.get_context("spawn")
    slots = [
        _Worker(listening_socket(settings.host, settings.port)) for _ in range(settings.workers)
    ]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        log.info("gateway_stopping", signal=signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(index: int) -> None:
        slot = slots[index]
        slot.process = spawn.Process(target=_serve, args=(slot.sock,), name=f"gateway-{index}")
        slot.process.start()
        slot.started = time.monotonic()
        log.info("gateway_worker_started", worker=index, pid=slot.process.pid)

    for index in range(len(slots)):
        start(index)
    log.info("gateway_workers", workers=settings.workers, port=settings.port)
    while not stopping:
        running = [s.process.sentinel for s in slots if s.process is not None]
        wait(running, timeout=0.5)
        now = time.monotonic()
        for index, slot in enumerate(slots):
            process = slot.process
            if stopping:
                break
            if process is not None and not process.is_alive():
                slot.pause = restart_pause(slot.pause, lived=now - slot.started)
                slot.restart_at = now + slot.pause
                slot.process = None
                log.warning(
                    "gateway_worker_died",
                    worker=index,
                    pid=process.pid,
                    code=process.exitcode,
                    restart_in_seconds=slot.pause,
                )
            if slot.process is None and now >= slot.restart_at:
                start(index)
    processes = [s.process for s in slots if s.process is not None]
    for process in processes:
        process.terminate()  # SIGTERM: uvicorn finishes the requests in progress
    for process in processes:
        process.join(STOP_GRACE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
    for slot in slots:
        slot.sock.close()

"""Several gateway processes on one port (QUANHUB_GATEWAY_WORKERS above 1).

Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads new connections
over the workers. (On one shared socket, whichever worker wakes first accepts a whole burst
of connections, and partners keep their connections alive: that worker would carry them
all.) The parent binds every socket before any worker starts, so a busy port fails at once;
it restarts a worker that dies (connections reaching its socket meanwhile wait in the
backlog) and stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
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
    """One worker process: its own app (settings from the environment) on `sock`."""
    config = uvicorn.Config(
        app_from_environment(), log_config=None, access_log=False, server_header=False
    )
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(settings: GatewaySettings) -> None:
    """Serve with `settings.workers` processes until SIGTERM or SIGINT."""
    spawn = multiprocessing.get_context("spawn")
    sockets = [listening_socket(settings.host, settings.port) for _ in range(settings.workers)]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        log.info("gateway_stopping", signal=signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(index: int) -> BaseProcess:
        process = spawn.Process(target=_serve, args=(sockets[index],), name=f"gateway-{index}")
        process.start()
        log.info("gateway_worker_started", worker=index, pid=process.pid)
        return process

    workers = [start(i) for i in range(settings.workers)]
    log.info("gateway_workers", workers=settings.workers, port=settings.port)
    while not stopping:
        wait([w.sentinel for w in workers], timeout=0.5)
        for i, worker in enumerate(workers):
            if not stopping and not worker.is_alive():
                log.warning("gateway_worker_died", worker=i, pid=worker.pid, code=worker.exitcode)
                workers[i] = start(i)
    for worker in workers:
        worker.terminate()  # SIGTERM: uvicorn finishes the requests in progress
    for worker in workers:
        worker.join(STOP_GRACE_SECONDS)
        if worker.is_alive():
            worker.kill()
            worker.join()
    for sock in sockets:
        sock.close()

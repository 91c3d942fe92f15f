"""The `quanhub run` supervisor: pid files, logs, restart after a crash, clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from quanhub.stack import procs
from quanhub.stack.services import ServiceSpec
from quanhub.stack.settings import StackPaths
from quanhub.stack.supervisor import Backoff, Supervisor

pytestmark = pytest.mark.integration

FAKE_SERVICE = """
import http.server, os, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/readyz" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass

print("fake service listening", flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["FAKE_PORT"])), Handler).serve_forever()
"""


@pytest.fixture
def fake_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "src" / "qh_fake_service"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(FAKE_SERVICE)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    return str(tmp_path / "src")


async def _until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_restarts_a_dead_service_and_stops_cleanly(tmp_path: Path, fake_module: str) -> None:
    port = procs.free_port()
    fake = ServiceSpec("fake", "qh_fake_service", "FAKE_PORT", port, False, "test double")
    ghost = ServiceSpec("ghost", "qh_not_written_yet", "GHOST_PORT", 1, False, "missing")
    paths = StackPaths.under(tmp_path / "state")
    reports: list[str] = []
    env = {**os.environ, "FAKE_PORT": str(port), "PYTHONPATH": fake_module}
    supervisor = Supervisor(
        [fake, ghost], env=env, paths=paths, report=reports.append, backoff=Backoff(0.2, 1, 60)
    )
    supervisor.start()
    try:
        assert [s.name for s in supervisor.skipped] == ["ghost"]
        assert await supervisor.wait_ready(timeout_s=20) == {"fake": True}
        first = supervisor.pid("fake")
        assert first is not None
        assert procs.read_pid(paths.pid_file("fake")) == first

        os.kill(first, signal.SIGKILL)
        await _until(lambda: supervisor.pid("fake") not in (None, first))
        assert supervisor.restarts("fake") == 1
        assert await supervisor.wait_ready(timeout_s=20) == {"fake": True}
        second = supervisor.pid("fake")
        await _until(lambda: procs.read_pid(paths.pid_file("fake")) == second)
        assert any("fake: exited with status -9; restarting" in line for line in reports)
        assert any("ghost: not installed" in line for line in reports)
    finally:
        await supervisor.stop(timeout_s=5)
    assert second is not None
    assert not procs.is_alive(second)
    assert not paths.pid_file("fake").exists()
    assert paths.log_file("fake").read_text().count("fake service listening") == 2

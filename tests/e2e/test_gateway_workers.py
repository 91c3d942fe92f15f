"""QUANHUB_GATEWAY_WORKERS=2: two worker processes share the port, /metrics counts both, a
killed worker is replaced without the gateway going away, and workers do not outlive a
killed supervisor."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from quanhub.bench.services import parent_pid
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.stack.errors import StackError
from quanhub.stack.procs import cmdline, is_alive
from quanhub.stack.servicegroup import RunningServices, start_services

pytestmark = pytest.mark.e2e

#: New connections per round: SO_REUSEPORT hashes each to a worker, so with 12 the chance
#: that one worker gets none is 2 in 4,096.
CONNECTIONS = 12


@pytest.fixture
async def two_workers(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningServices]:
    monkeypatch.setenv("QUANHUB_GATEWAY_WORKERS", "2")
    # The gateway makes its own metrics directory inside this one and removes it at the end.
    (tmp_path / "metrics").mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    try:
        running = await start_services(("gateway",), kafka_settings, database_settings, tmp_path)
    except StackError as exc:
        pytest.fail(exc.message, pytrace=False)
    yield running
    await running.stop()


def _children(pid: int) -> set[int]:
    """Live worker processes whose parent is `pid` (multiprocessing's resource tracker, also
    a child, is left out)."""
    return {
        child
        for child in (int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit())
        if parent_pid(child) == pid and is_alive(child) and "resource_tracker" not in cmdline(child)
    }


async def _workers(
    pid: int, *, other_than: frozenset[int] = frozenset(), timeout_s: float = 30
) -> set[int]:
    """The gateway's two worker pids, once it has two and none of them is in `other_than`."""
    deadline = time.monotonic() + timeout_s
    while True:
        children = _children(pid)
        if len(children) == 2 and not children & other_than:
            return children
        if time.monotonic() > deadline:
            pytest.fail(f"gateway {pid} has workers {children}, wanted 2 new ones", pytrace=False)
        await asyncio.sleep(0.1)


async def _serving(services: RunningServices, workers_started: int) -> None:
    """Wait until `workers_started` workers have logged that they serve (readiness only
    proves it for the worker the probe's connection reached)."""
    deadline = time.monotonic() + 30
    while services.log("gateway").count('"gateway_started"') < workers_started:
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {workers_started} gateway workers started", pytrace=False)
        await asyncio.sleep(0.1)


async def _publish_round(url: str, key: str) -> list[str]:
    """One single-event request on each of CONNECTIONS new connections; the event ids."""

    async def one() -> str:
        event_id = f"workers-{uuid.uuid4().hex}"
        body = {
            "events": [
                {
                    "event_id": event_id,
                    "occurred_at": "2026-11-28T08:00:00Z",
                    "parcel": {
                        "carrier_code": "shunfeng",
                        "waybill_no": "SF7700000001",
                        "code_system": "kuaidi100",
                        "code": "0",
                    },
                }
            ]
        }
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{url}/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
            )
        assert response.status_code == 202, response.text
        return event_id

    return list(await asyncio.gather(*(one() for _ in range(CONNECTIONS))))


async def _accepted(url: str) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{url}/metrics")).text
    found = re.search(r'^quanhub_gateway_events_total\{.*outcome="accepted".*\} (\S+)$', text, re.M)
    assert found, text
    return float(found.group(1))


async def test_two_workers_share_the_port_count_together_and_survive_a_kill(
    two_workers: RunningServices, tmp_path: Path
) -> None:
    parent = two_workers.supervisor.pid("gateway")
    assert parent is not None
    first = await _workers(parent)
    await _serving(two_workers, 2)

    await _publish_round(two_workers.gateway_url, two_workers.demo_keys["SF"])
    # Each scrape lands on one worker; each reports both workers' samples summed.
    assert [await _accepted(two_workers.gateway_url) for _ in range(4)] == [CONNECTIONS] * 4

    killed = min(first)
    os.kill(killed, signal.SIGKILL)
    second = await _workers(parent, other_than=frozenset({killed}))
    assert len(second & first) == 1  # the other worker went on
    await _serving(two_workers, 3)

    await _publish_round(two_workers.gateway_url, two_workers.demo_keys["SF"])
    # The killed worker's samples stay counted (its file stays): totals never go back.
    assert await _accepted(two_workers.gateway_url) == 2 * CONNECTIONS

    await two_workers.stop()  # SIGTERM to the parent, which stops its workers before it exits
    assert not [pid for pid in second if is_alive(pid)]
    assert not list((tmp_path / "metrics").iterdir())  # its metrics directory is gone


async def test_workers_stop_when_their_supervisor_is_killed(two_workers: RunningServices) -> None:
    parent = two_workers.supervisor.pid("gateway")
    assert parent is not None
    workers = await _workers(parent)

    os.kill(parent, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while [pid for pid in workers if is_alive(pid)] and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not [pid for pid in workers if is_alive(pid)]

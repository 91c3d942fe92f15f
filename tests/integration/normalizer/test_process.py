"""`python -m quanhub.normalizer` as a real process: ops endpoints, and SIGTERM exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_process_serves_ops_endpoints_and_stops_on_sigterm(
    kafka_settings: KafkaSettings, topics: Topics, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka_settings.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka_settings.topic_namespace,
        "QUANHUB_KAFKA_PARTITIONS": str(kafka_settings.partitions),
        "QUANHUB_NORMALIZER_PORT": str(port),
        "QUANHUB_NORMALIZER_GROUP_ID": f"proc-{uuid.uuid4().hex[:8]}",
    }
    log_path = tmp_path / "normalizer.log"
    log_file = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "quanhub.normalizer"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    try:
        ready = False
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(120):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        ready = True
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.25)
            assert ready, "normalizer never became ready"
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            assert "quanhub_normalizer_batch_seconds" in (await client.get("/metrics")).text
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)
        stderr = log_path.read_text("utf-8")
        assert code == 0, stderr[-2000:]
        assert "normalizer_stopped" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log_file.close()

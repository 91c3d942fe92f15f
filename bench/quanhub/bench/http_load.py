"""Closed-loop HTTP load: N clients post prepared request bodies for a fixed time."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from quanhub.bench.errors import ServerNotReady
from quanhub.bench.http1 import Connection, TransportError
from quanhub.bench.workload import Body
from quanhub.stack import procs

PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What the clients got done."""

    events_per_s: float
    requests_per_s: float
    failures: int
    seconds: float


async def post_for(
    base_url: str,
    bodies: Sequence[Body],
    keys: Mapping[str, str],
    *,
    concurrency: int,
    seconds: float,
) -> LoadResult:
    """Each client posts the next body as soon as its last one was answered; 202s count.

    Every client has its own keep-alive connection (quanhub.bench.http1, a fraction of
    httpx's CPU per request: the clients share the machine with the server they load).
    A failed connection counts as a failed request; an answer the client cannot read
    (quanhub.bench.http1.ProtocolError) stops the run.
    """
    accepted = requests = failures = 0
    headers = {
        partner: {"Authorization": f"Bearer {key}", "Content-Type": PROTOBUF}
        for partner, key in keys.items()
    }
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        """One client: the next body as soon as the previous answer came."""
        nonlocal accepted, requests, failures
        i = offset
        async with Connection(base_url, timeout=30) as http:
            while time.perf_counter() < deadline:
                body = bodies[i % len(bodies)]
                i += concurrency
                requests += 1
                try:
                    response = await http.post("/v1/events", body.body, headers[body.partner])
                except TransportError:
                    failures += 1
                    continue
                if response.status == 202:
                    accepted += int(response.json()["accepted"])
                else:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in range(concurrency)))
    elapsed = time.perf_counter() - started
    return LoadResult(accepted / elapsed, requests / elapsed, failures, elapsed)


@asynccontextmanager
async def parse_only_server() -> AsyncIterator[str]:
    """Run the parse-only baseline in its own process; yields its base URL."""
    port = procs.free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "quanhub.bench.parse_only",
        "--port",
        str(port),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with Connection(url, timeout=1) as http:
            for _ in range(200):
                with contextlib.suppress(TransportError):
                    if (await http.get("/readyz")).status == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                # Measuring against a server that never came up would report its
                # refusals as the baseline.
                raise ServerNotReady(f"the parse-only baseline on {url} never became ready")
        yield url
    finally:
        process.terminate()
        await process.wait()

"""Closed-loop HTTP load: N clients post prepared request bodies for a fixed time."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from quanhub.bench.workload import Body
from quanhub.stack import procs

PROTOBUF = "application/x-protobuf"
#: One keep-alive connection per client.
ONE = httpx.Limits(max_connections=1, max_keepalive_connections=1)


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

    Every client has its own one-connection httpx client: one shared pool serving dozens
    of concurrent requests spends more CPU in httpcore's pool bookkeeping than in HTTP
    (py-spy: `AsyncConnectionPool._assign_requests_to_connections`), which capped the
    load below what the server could take.
    """
    accepted = requests = failures = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        """One client: the next body as soon as the previous answer came."""
        nonlocal accepted, requests, failures
        i = offset
        async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=ONE) as http:
            while time.perf_counter() < deadline:
                body = bodies[i % len(bodies)]
                i += concurrency
                headers = {
                    "Authorization": f"Bearer {keys[body.partner]}",
                    "Content-Type": PROTOBUF,
                }
                requests += 1
                try:
                    response = await http.post("/v1/events", content=body.body, headers=headers)
                except httpx.HTTPError:
                    failures += 1
                    continue
                if response.status_code == 202:
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
        sys.executable, "-m", "quanhub.bench.parse_only", "--port", str(port),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=1) as http:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        yield url
    finally:
        process.terminate()
        await process.wait()

"""Measure latency from the gateway's 202 to the webhook's receipt, through every service.

    .venv/bin/python tests/integration/feeds/measure_latency.py --rate 50 --seconds 60

Starts its own gateway, normalizer, ledger consumer and dispatcher as subprocesses on
free loopback ports with a private topic namespace and a private database (so the shared
dev stack's services and data are untouched), registers a carrier, subscribes a receiver
(a separate process, so the load generator cannot slow it), then posts one-event requests
at a steady rate. Each event's latency is the receiver's arrival time minus the moment its
202 came back (wall clock, same machine). The commit instant of each event (its ledger
batch's NOTIFY, seen here) splits it into 202 -> commit and commit -> webhook. Prints
p50/p90/p99/max as JSON, then stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quanhub.common.access import Role, create_partner
from quanhub.common.clock import SystemClock
from quanhub.common.db import migrate
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds import store

ROOT = Path(__file__).resolve().parents[3]
PORTS: dict[str, int] = {}
COMMANDS = {
    "normalizer": ["-m", "quanhub.normalizer"],
    "consumer": ["-m", "quanhub.ledger.consumer"],
    "gateway": ["-m", "quanhub.gateway"],
    "dispatcher": ["-m", "quanhub.ledger.dispatcher"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(namespace: str, db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "QUANHUB_KAFKA_TOPIC_NAMESPACE": namespace,
            "QUANHUB_DATABASE_URL": db_url,
            "QUANHUB_GATEWAY_PORT": str(PORTS["gateway"]),
            "QUANHUB_NORMALIZER_PORT": str(PORTS["normalizer"]),
            "QUANHUB_LEDGER_CONSUMER_PORT": str(PORTS["consumer"]),
            "QUANHUB_DISPATCHER_PORT": str(PORTS["dispatcher"]),
            "QUANHUB_NORMALIZER_GROUP_ID": f"{namespace}-normalizer",
            "QUANHUB_LEDGER_CONSUMER_GROUP_ID": f"{namespace}-ledger",
            "QUANHUB_GATEWAY_LOG_LEVEL": "WARNING",
            "QUANHUB_NORMALIZER_LOG_LEVEL": "WARNING",
            "QUANHUB_LEDGER_CONSUMER_LOG_LEVEL": "WARNING",
            "QUANHUB_DISPATCHER_LOG_LEVEL": "WARNING",
        }
    )
    return env


async def _ready(name: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(f"http://127.0.0.1:{PORTS[name]}/readyz")
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.2)
    msg = f"{name} not ready within {within} s"
    raise RuntimeError(msg)


class Receiver:
    """The webhook endpoint, run in its own process (`--receiver PORT FILE`) so that the load
    generator does not slow it down; appends `source_event_id seq wall-time` per event."""

    def __init__(self, out: Path) -> None:
        self._out = out.open("a", encoding="utf-8")

    async def handle(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        now = time.time()
        lines = [f"{e['event']['source_event_id']} {e['seq']} {now}\n" for e in body["events"]]
        self._out.write("".join(lines))
        self._out.flush()
        return Response(b"ok")


def serve_receiver(port: int, out: Path) -> None:
    """Receiver process entry point."""
    app = Starlette(routes=[Route("/hook", Receiver(out).handle, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


@dataclass
class Arrivals:
    """What the receiver process recorded, and when each ledger batch committed."""

    arrived: dict[str, float] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    #: (wall time, last seq) of every NOTIFY quanhub_ledger seen by this process.
    commits: list[tuple[float, int]] = field(default_factory=list)

    def load(self, out: Path) -> None:
        self.arrived.clear()
        self.duplicates = 0
        for line in out.read_text("utf-8").splitlines():
            source_id, seq, at = line.split()
            if source_id in self.arrived:
                self.duplicates += 1
            self.arrived.setdefault(source_id, float(at))
            self.seqs[source_id] = int(seq)

    def on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.commits.append((time.time(), int(str(payload))))

    def committed_at(self, seq: int) -> float:
        """When the ledger batch holding `seq` committed (its NOTIFY arrived here)."""
        return next(t for t, last in self.commits if last >= seq)


async def _listening(port: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    msg = f"receiver not listening on {port}"
    raise RuntimeError(msg)


def _request(run: str, n: int) -> bytes:
    event = {
        "event_id": f"lat-{run}-{n}",
        "occurred_at": datetime.now(UTC).isoformat(),
        "parcel": {
            "carrier_code": "shunfeng",
            "waybill_no": f"SF{n:010d}",
            "code_system": "quanhub",
            "code": "IN_TRANSIT",
            "description": "快件已到达 济南转运中心",
            "district_code": "370102",
        },
    }
    return orjson.dumps({"events": [event]})


async def _load(base: str, key: str, rate: float, seconds: float, run: str) -> dict[str, float]:
    accepted: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:

        async def one(n: int) -> None:
            try:
                response = await client.post(
                    "/v1/events", content=_request(run, n), headers=headers
                )
            except httpx.HTTPError:
                return  # not accepted: not part of the latency sample (counted below)
            if response.status_code == 202:
                accepted[f"lat-{run}-{n}"] = time.time()

        tasks = []
        start = time.monotonic()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return accepted


async def main(rate: float, seconds: float) -> dict[str, object]:
    """Run the pipeline, the load and the receiver; return the latency figures."""
    run = uuid.uuid4().hex[:8]
    PORTS.update({name: _free_port() for name in COMMANDS})
    base = DatabaseSettings()
    db_name = f"quanhub_latency_{run}"
    admin = await asyncpg.connect(base.url)
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    db_url = base.url.rsplit("/", 1)[0] + f"/{db_name}"
    conn = await asyncpg.connect(db_url)
    await migrate(conn)
    await conn.close()
    pool = await asyncpg.create_pool(db_url, min_size=1, max_size=2)
    assert pool is not None
    _, key = await create_partner(
        pool, code="SF", role=Role.CARRIER, name="SF Express", clock=SystemClock()
    )
    env = _env(f"lat{run}", db_url)
    procs: list[subprocess.Popen[bytes]] = []
    receiver = Arrivals()
    out = Path(tempfile.mkdtemp()) / "arrivals.txt"
    out.touch()
    hook_port = _free_port()
    listener: asyncpg.Connection | None = None
    try:
        for name in ("normalizer", "consumer", "gateway", "dispatcher"):
            procs.append(subprocess.Popen([sys.executable, *COMMANDS[name]], env=env, cwd=ROOT))
            await _ready(name)
        listener = await asyncpg.connect(db_url)
        await listener.add_listener("quanhub_ledger", receiver.on_notify)
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--receiver", str(hook_port), str(out)], cwd=ROOT
            )
        )
        url = f"http://127.0.0.1:{hook_port}/hook"
        await _listening(hook_port)
        async with pool.acquire() as c:
            head = int(await c.fetchval("SELECT last_seq FROM ledger_sequence"))
            await store.create_subscription(
                c,
                partner_code="SF",
                url=url,
                kinds=["parcel"],
                description="latency",
                secret="whsec_" + "l" * 40,
                cursor_seq=head,
                now=datetime.now(UTC),
            )
        accepted = await _load(
            f"http://127.0.0.1:{PORTS['gateway']}", key.api_key, rate, seconds, run
        )
        deadline = time.monotonic() + 60
        while len(receiver.arrived) < len(accepted) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            receiver.load(out)
        missing = sorted(set(accepted) - set(receiver.arrived))
        async with pool.acquire() as c:
            in_ledger = await c.fetchval(
                "SELECT count(*) FROM ledger_events WHERE source_event_id = ANY($1::text[])",
                missing,
            )
            deliveries = await c.fetchrow(
                "SELECT count(*) AS n, count(*) FILTER (WHERE attempts > 1) AS retried, "
                "count(*) FILTER (WHERE status = 'pending') AS pending, "
                "round(avg(event_count), 1)::float8 AS per_batch FROM feed_deliveries"
            )
    finally:
        if listener is not None:
            await listener.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)
        await pool.close()
        admin = await asyncpg.connect(base.url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()
    latencies = sorted(
        (receiver.arrived[k] - t) * 1000 for k, t in accepted.items() if k in receiver.arrived
    )
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    commit = {k: receiver.committed_at(receiver.seqs[k]) for k in accepted if k in receiver.seqs}
    ingest = statistics.quantiles([(commit[k] - accepted[k]) * 1000 for k in commit], n=100)
    feed = statistics.quantiles([(receiver.arrived[k] - commit[k]) * 1000 for k in commit], n=100)
    return {
        "load": f"{rate:g} requests/s x 1 event for {seconds:g} s, one subscription",
        "sent": int(rate * seconds),
        "accepted": len(accepted),
        "received": len(latencies),
        "duplicates": receiver.duplicates,
        "missing": missing[:10],
        "missing_but_in_ledger": in_ledger,
        "deliveries": dict(deliveries) if deliveries else None,
        "p50_ms": round(cuts[49], 1),
        "p90_ms": round(cuts[89], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "gateway_202_to_ledger_commit_p50_p99_ms": [round(ingest[49], 1), round(ingest[98], 1)],
        "ledger_commit_to_webhook_p50_p99_ms": [round(feed[49], 1), round(feed[98], 1)],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--receiver", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(int(args.receiver[0]), Path(args.receiver[1]))
        sys.exit(0)
    print(json.dumps(asyncio.run(main(args.rate, args.seconds)), indent=2))  # noqa: T201

"""`python -m quanhub.bench.loadtest`: measure events/s through POST /v1/events.

Posts parcel events as a carrier (the demo key of SF by default) from several concurrent
clients for a fixed time and prints accepted events per second. Every event has a fresh
event_id, so each one is really produced to Kafka.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import dataclass

import httpx

from quanhub.ingest.v1 import ingest_pb2


@dataclass(slots=True)
class Tally:
    """What the clients achieved."""

    requests: int = 0
    events: int = 0
    failures: int = 0


def _body(batch: int, fmt: str, run: str, n: int) -> bytes:
    request = ingest_pb2.PublishRequest()
    for i in range(batch):
        event = request.events.add(event_id=f"load-{run}-{n}-{i}")
        event.occurred_at.FromJsonString("2026-11-28T08:00:00Z")
        p = event.parcel
        p.carrier_code, p.waybill_no = "shunfeng", f"SF{run[:6]}{n:07d}{i:03d}".upper()
        p.code_system, p.code, p.description = "quanhub", "IN_TRANSIT", "快件已到达 济南转运中心"
        p.location, p.district_code = "济南市", "370102"
    if fmt == "protobuf":
        return request.SerializeToString()
    from google.protobuf import json_format

    return json_format.MessageToJson(request, indent=None).encode()


async def _client(
    http: httpx.AsyncClient, args: argparse.Namespace, deadline: float, tally: Tally, run: str
) -> None:
    content_type = "application/x-protobuf" if args.format == "protobuf" else "application/json"
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": content_type}
    while time.perf_counter() < deadline:
        n = tally.requests
        tally.requests += 1
        body = _body(args.batch, args.format, run, n)
        try:
            response = await http.post("/v1/events", content=body, headers=headers)
        except httpx.HTTPError:
            tally.failures += 1
            await asyncio.sleep(0.1)  # the gateway is down: do not spin
            continue
        if response.status_code == 202:
            tally.events += int(response.json()["accepted"])
        else:
            tally.failures += 1


async def _main(args: argparse.Namespace) -> dict[str, float]:
    run = uuid.uuid4().hex
    tally = Tally()
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=args.url, timeout=30, limits=limits) as http:
        started = time.perf_counter()
        deadline = started + args.seconds
        await asyncio.gather(
            *(_client(http, args, deadline, tally, f"{run}{c}") for c in range(args.concurrency))
        )
        elapsed = time.perf_counter() - started
    return {
        "batch": args.batch,
        "format": args.format,
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 2),
        "requests": tally.requests,
        "failures": tally.failures,
        "events": tally.events,
        "events_per_second": round(tally.events / elapsed, 1),
        "requests_per_second": round(tally.requests / elapsed, 1),
    }


def main() -> None:
    """Parse arguments, run the clients, print one JSON line of results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--key", required=True, help="a carrier API key (SF's)")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--format", choices=("protobuf", "json"), default="protobuf")
    print(json.dumps(asyncio.run(_main(parser.parse_args()))))  # noqa: T201 - a CLI tool


if __name__ == "__main__":
    main()

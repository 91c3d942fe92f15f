"""Slow and heavy clients against the real gateway and ledger API processes (issue 16,
defect 8): unfinished headers and bodies are closed at their deadlines, requests beyond the
in-flight bound get 503, and /healthz answers on another connection during an attack of
large bodies. Real sockets, real processes, deadlines shortened through QUANHUB_HTTP_*."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ingest.v1 import ingest_pb2
from quanhub.stack.errors import StackError
from quanhub.stack.servicegroup import RunningServices, start_services

pytestmark = pytest.mark.e2e

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
MAX_IN_FLIGHT = 6
#: Seconds past a deadline a connection may take to be closed (a loaded 2-core machine).
SLACK = 3.0


@pytest.fixture(scope="module")
async def slow_services(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RunningServices]:
    """Gateway and ledger API with short read deadlines and a small in-flight bound."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QUANHUB_HTTP_HEADER_TIMEOUT_SECONDS", str(HEADER_TIMEOUT))
        env.setenv("QUANHUB_HTTP_BODY_TIMEOUT_SECONDS", str(BODY_TIMEOUT))
        env.setenv("QUANHUB_HTTP_MAX_IN_FLIGHT", str(MAX_IN_FLIGHT))
        root: Path = tmp_path_factory.mktemp("slow-clients")
        try:
            running = await start_services(
                ("gateway", "ledger-api"), kafka_settings, database_settings, root
            )
        except StackError as exc:
            pytest.fail(exc.message, pytrace=False)
    yield running
    await running.stop()


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


async def _open(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(*_address(url))


async def _closed_after(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes | None
) -> tuple[float, bytes]:
    """Seconds until the server closes the connection, writing a byte of `trickle` every
    0.3 s meanwhile (None: nothing), and what it answered."""
    started = time.monotonic()
    answer = b""
    position = 0
    while time.monotonic() - started < 60:
        try:
            chunk = await asyncio.wait_for(reader.read(4096), timeout=0.3)
        except TimeoutError:
            if trickle is not None:
                try:
                    writer.write(trickle[position % len(trickle) : position % len(trickle) + 1])
                    await writer.drain()
                except ConnectionError:
                    break
                position += 1
            continue
        except ConnectionError:
            break
        if not chunk:
            break
        answer += chunk
    writer.close()
    return time.monotonic() - started, answer


@pytest.mark.parametrize("api", ["gateway", "ledger-api"])
async def test_unfinished_headers_are_closed_at_the_header_deadline(
    slow_services: RunningServices, api: str
) -> None:
    url = slow_services.url(api)
    # Slowloris: a request line, then a header trickled a byte at a time, forever.
    reader, writer = await _open(url)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    took, answer = await _closed_after(reader, writer, b"X-Slow: " + b"a" * 1000)
    assert took < HEADER_TIMEOUT + SLACK, f"held {took:.1f} s"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert b"header_timeout" in answer
    # A connection that sends nothing at all is closed too.
    reader, writer = await _open(url)
    took, _ = await _closed_after(reader, writer, None)
    assert took < HEADER_TIMEOUT + SLACK, f"held {took:.1f} s"
    # A keep-alive connection's next request is held to the same deadline.
    reader, writer = await _open(url)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\n")
    took, answer = await _closed_after(reader, writer, b"X-Slow: aaaa")
    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert took < HEADER_TIMEOUT + SLACK, f"held {took:.1f} s"


@pytest.mark.parametrize("api", ["gateway", "ledger-api"])
async def test_an_unfinished_body_is_answered_408_at_the_body_deadline(
    slow_services: RunningServices, api: str
) -> None:
    url = slow_services.url(api)
    key = slow_services.demo_keys["SF"]
    path = b"/v1/events" if api == "gateway" else b"/v1/subscriptions"
    reader, writer = await _open(url)
    writer.write(
        b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + key.encode() + b"\r\nContent-Length: 100000\r\n\r\n{"
    )
    took, answer = await _closed_after(reader, writer, b" ")
    assert took < BODY_TIMEOUT + SLACK, f"held {took:.1f} s"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert b"body_timeout" in answer


@pytest.mark.parametrize("api", ["gateway", "ledger-api"])
async def test_an_oversized_head_is_refused_431(slow_services: RunningServices, api: str) -> None:
    """httptools buffers an unfinished head whole: without a bound, one connection could
    fill memory within the header deadline."""
    reader, writer = await _open(slow_services.url(api))
    started = time.monotonic()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
    try:
        for _ in range(40):
            writer.write(b"a" * 4096)
            await writer.drain()
    except ConnectionError:
        pass  # closed while we sent (a reset may drop the 431 we were sent)
    else:
        _, answer = await _closed_after(reader, writer, None)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    took = time.monotonic() - started
    assert took < HEADER_TIMEOUT, f"held {took:.1f} s (the header deadline would be a 408)"


@pytest.mark.parametrize(("api", "declared"), [("gateway", 5 << 20), ("ledger-api", 2 << 20)])
async def test_an_oversized_body_is_refused_413_before_it_is_read(
    slow_services: RunningServices, api: str, declared: int
) -> None:
    key = slow_services.demo_keys["SF"]
    path = b"/v1/events" if api == "gateway" else b"/v1/subscriptions"
    head = (
        b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + key.encode() + b"\r\n"
    )
    reader, writer = await _open(slow_services.url(api))
    writer.write(head + b"Content-Length: " + str(declared).encode() + b"\r\n\r\n{")
    answer = await asyncio.wait_for(reader.read(4096), timeout=HEADER_TIMEOUT)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    # The server drops what the client still sends for a while (a client writing its body
    # would otherwise be reset before it reads the 413), then closes.
    took, _ = await _closed_after(reader, writer, None)
    assert took < BODY_TIMEOUT + SLACK, f"held {took:.1f} s"
    # Chunked, with no length declared: refused once it passes the limit.
    reader, writer = await _open(slow_services.url(api))
    writer.write(head + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    try:
        for _ in range(declared // 65536 + 2):
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass  # closed while sending: refused
    took, answer = await _closed_after(reader, writer, None)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert took < BODY_TIMEOUT + SLACK, f"held {took:.1f} s"


async def test_requests_beyond_the_in_flight_bound_get_503_and_probes_still_answer(
    slow_services: RunningServices,
) -> None:
    url = slow_services.gateway_url
    key = slow_services.demo_keys["SF"]
    held = []
    for _ in range(MAX_IN_FLIGHT):  # requests whose bodies are still coming
        _, writer = await _open(url)
        writer.write(
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\nContent-Length: 1000\r\n\r\n{"
        )
        await writer.drain()
        held.append(writer)
    await asyncio.sleep(0.5)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            busy = await http.post(
                "/v1/events", json={"events": [{}]}, headers={"Authorization": f"Bearer {key}"}
            )
            assert busy.status_code == 503, busy.text
            assert busy.json()["code"] == "server_busy"
            assert int(busy.headers["Retry-After"]) >= 1
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/metrics")).status_code == 200
    finally:
        for writer in held:
            writer.close()


def _big_json() -> bytes:
    return b'{"events": [' + b",".join([b"{}"] * 1_390_000) + b"]}"


def _many_lines() -> bytes:
    event = ingest_pb2.Event(event_id="e")
    for _ in range(1_200_000):
        event.order.lines.add()
    return ingest_pb2.PublishRequest(events=[event]).SerializeToString()


async def test_healthz_answers_promptly_during_a_large_body_attack(
    slow_services: RunningServices,
) -> None:
    url = slow_services.gateway_url
    key = slow_services.demo_keys["TMALL"]
    bodies = [
        (_big_json(), "application/json"),
        (orjson.dumps({"events": [{"order": {"lines": [{}] * 300_000}}]}), "application/json"),
        (_many_lines(), "application/x-protobuf"),
    ]
    stop = asyncio.Event()
    answers: list[int] = []

    async def attack(http: httpx.AsyncClient, body: bytes, media: str) -> None:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": media}
        while not stop.is_set():
            answer = await http.post("/v1/events", content=body, headers=headers)
            answers.append(answer.status_code)

    waits: list[float] = []
    async with (
        httpx.AsyncClient(base_url=url, timeout=30) as attacker,
        httpx.AsyncClient(base_url=url, timeout=30) as prober,
    ):
        attackers = [asyncio.create_task(attack(attacker, *b)) for b in bodies]
        try:
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                started = time.monotonic()
                assert (await prober.get("/healthz")).status_code == 200
                waits.append(time.monotonic() - started)
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.gather(*attackers, return_exceptions=True)
    assert answers, "the attack sent bodies"
    assert set(answers) <= {413, 422, 429, 503}, answers
    waits.sort()
    # Before: 6.5-8.4 s of a blocked loop per body. Bounds are generous for a shared machine.
    assert waits[len(waits) // 2] < 0.25, waits
    assert waits[-1] < 1.5, waits


async def test_open_feed_streams_do_not_take_the_ledger_apis_in_flight_bound(
    slow_services: RunningServices,
) -> None:
    """More SSE streams than the in-flight bound, from three partners (each within its own
    stream cap), all open; another partner's ordinary requests still answer 200, not 503."""
    url = slow_services.url("ledger-api")
    streamers = ["TMALL", "JDCOM", "PDD"]
    each = 3  # 9 streams > MAX_IN_FLIGHT
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) as streams,
        httpx.AsyncClient(base_url=url, timeout=10) as http,
    ):
        opened: list[httpx.Response] = []
        try:
            for code in streamers:
                auth = {"Authorization": f"Bearer {slow_services.demo_keys[code]}"}
                for _ in range(each):
                    request = streams.build_request("GET", "/v1/feed", headers=auth)
                    opened.append(await streams.send(request, stream=True))
            await asyncio.sleep(0.5)
            other = {"Authorization": f"Bearer {slow_services.demo_keys['ZTO']}"}
            answers = [
                (await http.get("/v1/subscriptions", headers=other)).status_code for _ in range(3)
            ]
        finally:
            for response in opened:
                await response.aclose()
    assert [r.status_code for r in opened] == [200] * len(streamers) * each
    assert answers == [200, 200, 200]

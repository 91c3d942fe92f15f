"""The sender: per-partner batches, keys, tallies, retries that honour Retry-After, pacing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest

from quanhub.common.errors import ConfigurationError
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.batches import Batch, batches
from quanhub.simulator.generator import Simulation
from quanhub.simulator.keys import load_keys, missing_keys, parse_keys
from quanhub.simulator.sender import Pacer, Sender, SendOptions, retry_after

Handler = Callable[[httpx.Request], httpx.Response]


def _batch(partner: str = "SF", n: int = 3, number: int = 0) -> Batch:
    request = ipb.PublishRequest(events=[ipb.Event(event_id=f"e{i}") for i in range(n)])
    return Batch(partner, request.SerializeToString(), n, number)


def _accepted(n: int, rejected: tuple[tuple[int, str], ...] = ()) -> httpx.Response:
    body = ipb.PublishResponse(accepted=n - len(rejected))
    for index, code in rejected:
        body.rejected.add(index=index, event_id=f"e{index}", code=code, message="no")
    return httpx.Response(
        202, content=body.SerializeToString(), headers={"content-type": "application/x-protobuf"}
    )


async def _run(
    handler: Handler, items: list[Batch], **options: object
) -> tuple[Sender, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    transport = httpx.MockTransport(handler)
    async with httpx.AsyncClient(transport=transport) as client:
        settings = SendOptions(gateway_url="http://gw.test", **options)  # type: ignore[arg-type]
        sender = Sender(client, {"SF": "key-sf", "TMALL": "key-tmall"}, settings, sleep=sleep)
        await sender.run(items)
    return sender, slept


async def test_each_batch_carries_its_partner_key_and_protobuf() -> None:
    seen: list[tuple[str, str, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        events = ipb.PublishRequest.FromString(request.content).events
        seen.append(
            (request.headers["authorization"], request.headers["content-type"], len(events))
        )
        assert request.url.path == "/v1/events"
        return _accepted(len(events), ((1, "missing_field"),))

    sender, _ = await _run(handler, [_batch("SF", 3), _batch("TMALL", 2, 1)])
    assert sorted(seen) == [
        ("Bearer key-sf", "application/x-protobuf", 3),
        ("Bearer key-tmall", "application/x-protobuf", 2),
    ]
    tally = sender.tally
    assert (tally.sent, tally.accepted, dict(tally.rejected)) == (5, 3, {"missing_field": 2})
    assert tally.settled == 5


async def test_429_and_503_are_retried_after_retry_after() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(503, headers={"Retry-After": "7"}),
            _accepted(3),
        ]
    )
    sender, slept = await _run(lambda _: next(answers), [_batch()])
    assert slept == [2.0, 7.0]
    assert dict(sender.tally.retries) == {"http_429": 1, "http_503": 1}
    assert sender.tally.accepted == 3


async def test_timeouts_are_retried_with_backoff() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectTimeout("slow", request=request)
        return _accepted(3)

    sender, slept = await _run(handler, [_batch()], backoff_initial=1.0)
    assert calls == 3
    assert len(slept) == 2
    assert 0 <= slept[0] <= 1.0
    assert 0 <= slept[1] <= 2.0
    assert sender.tally.accepted == 3


async def test_a_refused_batch_is_not_resent() -> None:
    calls = 0

    def handler(_: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(401, json={"code": "unauthenticated"})

    sender, slept = await _run(handler, [_batch()])
    assert (calls, slept) == (1, [])
    assert (sender.tally.failed_batches, sender.tally.failed_events) == (1, 3)
    assert dict(sender.tally.failures) == {"http_401": 1}


async def test_the_sender_gives_up_after_max_attempts() -> None:
    sender, slept = await _run(lambda _: httpx.Response(503), [_batch()], max_attempts=4)
    assert len(slept) == 3
    assert dict(sender.tally.failures) == {"gave_up_after_http_503": 1}


async def test_json_answers_are_read_too() -> None:
    body = {"accepted": 2, "rejected": [{"eventId": "e0", "code": "future_time", "message": "x"}]}
    sender, _ = await _run(lambda _: httpx.Response(202, content=orjson.dumps(body)), [_batch()])
    assert sender.tally.accepted == 2
    assert dict(sender.tally.rejected) == {"future_time": 1}


async def test_the_pacer_spaces_requests_to_the_rate() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(100.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await pacer.wait(50)
    assert slept == pytest.approx([0.5, 1.0])
    flat_out = Pacer(None, clock=lambda: now[0], sleep=sleep)
    await flat_out.wait(10_000)
    assert len(slept) == 2


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("5") == 5.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    assert retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=40.0) == pytest.approx(60.0)


def test_batches_group_by_partner_and_keep_every_event_once(busy_run: Simulation) -> None:
    sends = list(busy_run.encoded())
    cut = list(batches(sends, 100))
    assert all(b.events <= 100 for b in cut)
    assert [b.number for b in cut] == list(range(len(cut)))
    sent: dict[str, list[str]] = {}
    for b in cut:
        events = ipb.PublishRequest.FromString(b.body).events
        assert len(events) == b.events
        sent.setdefault(b.partner, []).extend(e.event_id for e in events)
    wanted: dict[str, list[str]] = {}
    for step, event in sends:
        wanted.setdefault(step.partner, []).append(event.event_id)
    assert sent == wanted  # every send, in send order within each partner


def test_keys_parse_from_json_and_lines(tmp_path: Path) -> None:
    assert parse_keys('{"SF": "k1", "ZTO": "k2"}') == {"SF": "k1", "ZTO": "k2"}
    assert parse_keys("SF=k1, ZTO = k2\n# comment\nJT=k=3") == {
        "SF": "k1",
        "ZTO": "k2",
        "JT": "k=3",
    }
    path = tmp_path / "keys.env"
    path.write_text("SF=k1\n")
    assert load_keys(path) == {"SF": "k1"}
    assert missing_keys({"SF": "k"}, ["SF", "ZTO", "ZTO"]) == ["ZTO"]
    for bad in ('{"SF": 1}', "[1]", "SF", "=k"):
        with pytest.raises(ConfigurationError):
            parse_keys(bad)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_keys(tmp_path / "missing")

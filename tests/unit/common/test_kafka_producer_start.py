"""A producer that cannot start is stopped again, not left to the collector."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from quanhub.common import kafka
from quanhub.common.settings import KafkaSettings


async def test_a_producer_that_cannot_start_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[AIOKafkaProducer] = []
    real = kafka.make_producer

    def recorded(*args: object, **kwargs: object) -> AIOKafkaProducer:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(kafka, "make_producer", recorded)
    nobody = KafkaSettings(bootstrap="127.0.0.1:1", request_timeout_ms=1000)
    with pytest.raises(KafkaConnectionError):
        await kafka.start_producer(nobody, client_id="test")
    (producer,) = made
    # Stopped: __del__ would warn "Unclosed AIOKafkaProducer" otherwise (and its client's
    # sockets and tasks would live until then).
    assert producer._closed is True

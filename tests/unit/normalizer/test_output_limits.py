"""Output topics below the largest output: refused at start, not ready afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from quanhub.common.clock import FixedClock
from quanhub.normalizer.errors import OutputTopicTooSmall
from quanhub.normalizer.limits import REQUIRED_BYTES, OutputLimits
from quanhub.normalizer.routing import MAX_OUTPUT_BYTES

TOPICS = ["ns.canonical.v1", "ns.dlq.v1"]


class Broker:
    """Answers each topic's max.message.bytes from a table the test changes."""

    def __init__(self, limits: dict[str, int]) -> None:
        self.limits = limits
        self.reads = 0
        self.waits: list[float] = []

    async def read(self, topics: Sequence[str], wait_seconds: float) -> dict[str, int]:
        self.reads += 1
        self.waits.append(wait_seconds)
        return {t: self.limits[t] for t in topics if t in self.limits}


def test_the_bound_leaves_room_for_a_batch_and_fits_kafkas_default() -> None:
    assert MAX_OUTPUT_BYTES < REQUIRED_BYTES <= 1_048_588  # Kafka's message.max.bytes


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("limit", [1_000, 500_000, MAX_OUTPUT_BYTES, REQUIRED_BYTES - 1])
async def test_a_topic_below_the_bound_is_refused_by_name_and_numbers(
    topic: str, limit: int
) -> None:
    broker = Broker(dict.fromkeys(TOPICS, 1_048_588) | {topic: limit})
    limits = OutputLimits(broker.read, TOPICS, FixedClock(datetime.now(UTC)), timedelta(1))

    with pytest.raises(OutputTopicTooSmall) as refused:
        await limits.check()

    message = refused.value.message
    assert topic in message
    assert str(limit) in message
    assert str(REQUIRED_BYTES) in message
    assert not await limits.ready()


@pytest.mark.parametrize("limit", [REQUIRED_BYTES, 1_048_588, 10_000_000])
async def test_topics_at_or_above_the_bound_pass(limit: int) -> None:
    broker = Broker(dict.fromkeys(TOPICS, limit))
    limits = OutputLimits(broker.read, TOPICS, FixedClock(datetime.now(UTC)), timedelta(1))

    await limits.check()
    assert await limits.ready()


async def test_readiness_reads_again_once_its_reading_is_old() -> None:
    clock = FixedClock(datetime(2026, 12, 4, tzinfo=UTC))
    broker = Broker(dict.fromkeys(TOPICS, 1_048_588))
    limits = OutputLimits(broker.read, TOPICS, clock, timedelta(seconds=30))
    await limits.check()

    broker.limits["ns.dlq.v1"] = 600_000  # lowered while running
    assert await limits.ready()  # the reading is fresh: not asked again
    assert broker.reads == 1
    clock.advance(timedelta(seconds=30))
    assert not await limits.ready()
    assert broker.reads == 2
    broker.limits["ns.dlq.v1"] = 2_000_000
    clock.advance(timedelta(seconds=30))
    assert await limits.ready()


async def test_a_topic_not_there_yet_is_checked_once_it_exists() -> None:
    # The producer retries until a missing output topic exists; its limit is read then.
    clock = FixedClock(datetime(2026, 12, 4, tzinfo=UTC))
    broker = Broker({"ns.canonical.v1": 1_048_588})
    limits = OutputLimits(broker.read, TOPICS, clock, timedelta(seconds=30))

    await limits.check()
    assert await limits.ready()
    broker.limits["ns.dlq.v1"] = 200_000  # created, too small
    clock.advance(timedelta(seconds=30))
    assert not await limits.ready()
    assert broker.waits[0] > 0  # the start waits for a just-created topic; probes do not
    assert broker.waits[1:] == [0.0]

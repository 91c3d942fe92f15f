"""The output topics must take the largest record the normalizer writes: checked at start
and on readiness.

Routing bounds every output at MAX_OUTPUT_BYTES (key, value and headers), so that no record
Kafka refuses can stop the loop. That bound only holds if the canonical and dead-letter
topics take it: a topic whose max.message.bytes (its own, else the broker's
message.max.bytes) is lower makes the broker refuse outputs, and a broker's refusal breaks
the idempotent producer's sequence for that partition (see service). A misconfigured topic
is an operator's mistake to be told at once, not found by a partner's large record later.

A topic that does not exist (yet) has no limit to read: it is not refused (the producer
retries until it exists, see service) and is checked at the next readiness reading.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from quanhub.common.clock import Clock
from quanhub.normalizer.errors import OutputTopicTooSmall
from quanhub.normalizer.routing import MAX_OUTPUT_BYTES

__all__ = ["BATCH_OVERHEAD_BYTES", "REQUIRED_BYTES", "OutputLimits", "TopicLimitsReader"]

log = structlog.get_logger(__name__)

#: A record batch's bytes beyond its records' keys, values and headers: the 61-byte batch
#: header, each record's varint framing and two varints per header (a dead letter has 13
#: headers at most). 4 KiB is several times the worst case of one output record.
BATCH_OVERHEAD_BYTES = 4096
#: The smallest max.message.bytes an output topic may have (Kafka's default, 1,048,588,
#: leaves ample room).
REQUIRED_BYTES = MAX_OUTPUT_BYTES + BATCH_OVERHEAD_BYTES

#: Reads the effective max.message.bytes of the topics that exist, waiting up to the
#: given seconds for just-created ones (quanhub.common.kafka.max_message_bytes).
TopicLimitsReader = Callable[[Sequence[str], float], Awaitable[Mapping[str, int]]]
#: How long the start waits for a just-created topic to be described; readiness does not
#: wait (a probe must answer quickly).
_START_WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Verdict:
    at: datetime
    error: OutputTopicTooSmall | None


def _too_small(limits: Mapping[str, int]) -> OutputTopicTooSmall | None:
    """The error for the first topic below REQUIRED_BYTES, or None when all take it."""
    for topic, limit in sorted(limits.items()):
        if limit < REQUIRED_BYTES:
            return OutputTopicTooSmall(
                f"output topic {topic} takes record batches of at most {limit} bytes "
                f"(max.message.bytes) but the normalizer writes records of up to "
                f"{MAX_OUTPUT_BYTES} bytes and needs max.message.bytes >= {REQUIRED_BYTES}: "
                f"raise the topic's max.message.bytes (or the broker's message.max.bytes)"
            )
    return None


class OutputLimits:
    """Whether the output topics take MAX_OUTPUT_BYTES records: `check` at start (raises),
    `ready` for the readiness probe (answers from the last reading for `recheck`)."""

    def __init__(
        self, read: TopicLimitsReader, topics: Sequence[str], clock: Clock, recheck: timedelta
    ) -> None:
        self._read = read
        self._topics = list(topics)
        self._clock = clock
        self._recheck = recheck
        self._last: _Verdict | None = None

    async def check(self) -> None:
        """Read the topics' limits now; raise OutputTopicTooSmall for one below the bound."""
        error = await self._verdict(_START_WAIT_SECONDS)
        if error is not None:
            raise error

    async def ready(self) -> bool:
        """True when every output topic took the bound at the last reading (read again
        once it is older than `recheck`)."""
        last = self._last
        if last is None or self._clock.now() - last.at >= self._recheck:
            return await self._verdict(0.0) is None
        return last.error is None

    async def _verdict(self, wait_seconds: float) -> OutputTopicTooSmall | None:
        limits = await self._read(self._topics, wait_seconds)
        if missing := [t for t in self._topics if t not in limits]:
            log.warning("output_topics_not_found", topics=missing)
        error = _too_small(limits)
        previous = self._last
        self._last = _Verdict(self._clock.now(), error)
        if error is not None and (previous is None or previous.error is None):
            log.error("output_topic_too_small", reason=error.message)
        elif error is None and previous is not None and previous.error is not None:
            log.info("output_topics_fit", required_bytes=REQUIRED_BYTES)
        return error

"""Reading Kafka's perf tools' output."""

from __future__ import annotations

import pytest

from quanhub.bench.errors import ToolFailed
from quanhub.bench.kafka_tools import parse_consumer, parse_producer

PRODUCER = """\
49141 records sent, 9826.2 records/sec (2.43 MB/sec), 2301.5 ms avg latency, 3419.0 ms max latency.
100000 records sent, 21925.0 records/sec (5.44 MB/sec), 1812.34 ms avg latency, 3419.00 ms max \
latency, 1800 ms 50th, 3100 ms 95th, 3300 ms 99th, 3410 ms 99.9th.
"""

CONSUMER = """\
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, \
rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-11-28 21:22:00:123, 2026-11-28 21:22:05:456, 26.0014, 4.8758, 100000, 18751.6407, 3000, \
2308, 11.2658, 43327.5563
"""


def test_producer_summary_is_the_last_records_sent_line() -> None:
    assert parse_producer(PRODUCER) == 21925.0


def test_consumer_rate_excludes_the_rebalance() -> None:
    assert parse_consumer(CONSUMER) == pytest.approx(43327.5563)


@pytest.mark.parametrize("parse", [parse_producer, parse_consumer])
def test_unreadable_output_is_an_error(parse: object) -> None:
    with pytest.raises(ToolFailed):
        parse("Exception in thread main: no such topic")  # type: ignore[operator]

"""Outputs Kafka refused for their size: what is produced instead, so the loop goes on.

Routing keeps every output under MAX_OUTPUT_BYTES, so a size refusal means a topic or the
producer takes less than that. Retrying the same record cannot help and stopping would
stop every partner's events (the record is refused again after each restart), so the
records of a refused batch are sent again one by one, and a record refused alone is
replaced by a reference dead letter: bounded headers, no key, no value (the source topic
keeps the record, at the offset the reference names).
"""

from __future__ import annotations

from datetime import datetime

from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError

from quanhub.common.topics import Topics
from quanhub.common.tracecontext import TRACEPARENT
from quanhub.normalizer.deadletter import (
    WITHHELD_TOO_LARGE,
    RecordSizes,
    dead_letter_headers,
    record_bytes,
)
from quanhub.normalizer.routing import Output

__all__ = ["as_reference", "is_reference", "too_large"]


def too_large(exc: BaseException) -> bool:
    """Whether Kafka refused records for their size (the producer's own check or the
    broker's)."""
    return isinstance(exc, MessageSizeTooLargeError | RecordListTooLargeError | RecordTooLargeError)


def is_reference(out: Output, topics: Topics) -> bool:
    """True for a dead letter that is already a reference (nothing left to make smaller)."""
    return out.topic == topics.dlq and out.key is None and not out.value


#: The headers a reference sets anew on the dead letter it replaces.
_NOT_IN_A_REFERENCE = frozenset({"payload_withheld", "key_withheld"})


def as_reference(out: Output, topics: Topics, now: datetime, refusal: str) -> Output:
    """A dead letter without key or value standing for `out`, which Kafka refused for its
    size (`refusal`: the error's name); the source topic keeps the record at out.source."""
    withheld = WITHHELD_TOO_LARGE.encode()
    too_large = [("payload_withheld", withheld), ("key_withheld", withheld)]
    if out.topic == topics.dlq:
        kept = [(k, v) for k, v in out.headers if k not in _NOT_IN_A_REFERENCE]
        return out._replace(key=None, value=b"", headers=kept + too_large)
    size = record_bytes(out.key, out.value, out.headers)
    why = f"Kafka refused its {size}-byte output record ({refusal})"
    topic, partition, offset = out.source
    headers = dead_letter_headers(
        error_code="event_too_large",
        error_message=why,
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        first_seen=now,
        partner=out.partner,
        sizes=RecordSizes.of(out.key, out.value, out.headers),  # the refused record's
    )
    traced = [(k, v) for k, v in out.headers if k == TRACEPARENT]  # the event's trace
    return out._replace(
        topic=topics.dlq,
        key=None,
        value=b"",
        headers=headers + too_large + traced,
        error_code="event_too_large",
        error_message=why,
        unmapped=None,
        key_hash=None,
    )

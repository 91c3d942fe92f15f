"""The dead-letter record format: original key and bytes, the reason in headers.

Headers (UTF-8): error_code, error_message, source_topic, source_partition, source_offset,
first_seen (ISO 8601, kept from the first failure across replays), partner,
original_sizes (`key=<bytes> value=<bytes> headers=<count> header_bytes=<bytes>` of the
source record), and optionally replay_topic (where `quanhub dlq replay` must send the value
when it is not the source topic), payload_withheld (the value was dropped, and why:
`personal-data` when it held clear personal data, `too-large` when it would not fit a Kafka
record), key_withheld (`too-large`: the key was dropped too, so the dead letter is only a
*reference* to the source record) and not_replayable (the reason it must never be
re-driven, e.g. its publisher was not allowed); the routing adds traceparent (the event's
trace, or one of the hub's: quanhub.common.tracecontext).

Every header is bounded: the source record's own headers are never copied (only a valid
first_seen is kept), and values read from it are cut, so a dead letter's headers stay a few
kilobytes whatever the source record carried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from quanhub.common.tracecontext import TRACEPARENT, safe_trace_id_of

__all__ = [
    "DeadLetterRecord",
    "RecordSizes",
    "dead_letter_headers",
    "header",
    "read_dead_letter",
    "record_bytes",
]

Headers = Sequence[tuple[str, bytes]]
MAX_MESSAGE = 2000
#: The longest partner code or first_seen taken from a source record's headers.
MAX_HEADER_TEXT = 64


def header(headers: Headers | None, name: str) -> str:
    """The first header called `name`, decoded, or "" when absent."""
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace") if value is not None else ""
    return ""


#: Why a dead letter's value (payload_withheld) or key (key_withheld) was dropped; the
#: source topic keeps the record, at source_offset.
WITHHELD_PERSONAL_DATA = "personal-data"
WITHHELD_TOO_LARGE = "too-large"
#: Each reason, as `quanhub dlq show` explains it.
WITHHELD_REASONS = {
    WITHHELD_PERSONAL_DATA: "it held clear personal data",
    WITHHELD_TOO_LARGE: "it was too large for a Kafka record",
}


class RecordSizes(NamedTuple):
    """The sizes of a source record: what a dead letter without it still tells."""

    key: int
    value: int
    headers: int
    header_bytes: int

    @classmethod
    def of(cls, key: bytes | None, value: bytes | None, headers: Headers | None) -> RecordSizes:
        """The sizes of one record's key, value and headers."""
        pairs = headers or ()
        header_bytes = sum(len(k.encode()) + len(v or b"") for k, v in pairs)
        return cls(len(key or b""), len(value or b""), len(pairs), header_bytes)

    def __str__(self) -> str:
        return (
            f"key={self.key} value={self.value} headers={self.headers} "
            f"header_bytes={self.header_bytes}"
        )


def record_bytes(key: bytes | None, value: bytes | None, headers: Headers) -> int:
    """A record's key, value and header bytes (what counts against Kafka's record limit,
    less a few bytes of framing)."""
    sizes = RecordSizes.of(key, value, headers)
    return sizes.key + sizes.value + sizes.header_bytes


def _first_seen(original: Headers | None, default: datetime) -> str:
    """The source record's first_seen when it is a timestamp, else `default`."""
    text = header(original, "first_seen")
    if text and len(text) <= MAX_HEADER_TEXT:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return text
    return default.isoformat()


def dead_letter_headers(
    *,
    error_code: str,
    error_message: str,
    source_topic: str,
    source_partition: int,
    source_offset: int,
    first_seen: datetime,
    partner: str,
    original: Headers | None = None,
    sizes: RecordSizes | None = None,
    replay_topic: str = "",
    payload_withheld: str = "",
    key_withheld: str = "",
    not_replayable: str = "",
) -> list[tuple[str, bytes]]:
    """Headers of one dead letter; first_seen survives from an earlier failure if present
    (`original`: the source record's headers, read for that alone)."""
    out = [
        ("error_code", error_code),
        ("error_message", error_message[:MAX_MESSAGE]),
        ("source_topic", source_topic),
        ("source_partition", str(source_partition)),
        ("source_offset", str(source_offset)),
        ("first_seen", _first_seen(original, first_seen)),
        ("partner", partner[:MAX_HEADER_TEXT]),
    ]
    if sizes is not None:
        out.append(("original_sizes", str(sizes)))
    if replay_topic:
        out.append(("replay_topic", replay_topic))
    if payload_withheld:
        out.append(("payload_withheld", payload_withheld))
    if key_withheld:
        out.append(("key_withheld", key_withheld))
    if not_replayable:
        out.append(("not_replayable", not_replayable))
    return [(k, v.encode()) for k, v in out]


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    """A dead letter as read back from the DLQ topic."""

    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    error_code: str
    error_message: str
    source_topic: str
    source_partition: int
    source_offset: int
    first_seen: str
    partner: str
    replay_topic: str
    #: Why the value was dropped ("personal-data", "too-large"), or "" when it is there.
    payload_withheld: str
    not_replayable: str = ""
    #: Why the key was dropped too ("too-large"): the dead letter is a reference only.
    key_withheld: str = ""
    #: The source record's sizes, as written (RecordSizes), or "" from older dead letters.
    original_sizes: str = ""
    #: The dead letter's trace-id (its traceparent's), or "" from older dead letters.
    trace_id: str = ""

    @property
    def target_topic(self) -> str:
        """Where a replay re-drives the value."""
        return self.replay_topic or self.source_topic

    @property
    def is_reference(self) -> bool:
        """True when the dead letter holds neither key nor value, only where the source
        record is (it would not fit a Kafka record)."""
        return bool(self.key_withheld)

    @property
    def source(self) -> str:
        """`topic[partition]@offset` of the source record."""
        return f"{self.source_topic}[{self.source_partition}]@{self.source_offset}"

    def replay_refusal(self) -> str:
        """Why `quanhub dlq replay` must not re-drive this dead letter, or "" if it may."""
        if self.is_reference:
            return (
                f"a reference only: the record at {self.source} was too large for a dead "
                "letter, so it has no key or value to replay"
            )
        if self.not_replayable:
            return f"never replayable ({self.not_replayable}): its publisher was not allowed"
        if self.payload_withheld:
            why = WITHHELD_REASONS.get(self.payload_withheld, self.payload_withheld)
            return f"its value was withheld ({why}); the source keeps it at {self.source}"
        if not self.value:
            return "it has no value to replay"
        if not self.target_topic:
            return "it names no topic to replay to"
        return ""


def read_dead_letter(
    offset: int, timestamp_ms: int, key: bytes | None, value: bytes | None, headers: Headers
) -> DeadLetterRecord:
    """Parse one DLQ record's headers."""

    def number(name: str) -> int:
        text = header(headers, name)
        return int(text) if text.lstrip("-").isdigit() else -1

    return DeadLetterRecord(
        offset=offset,
        timestamp_ms=timestamp_ms,
        key=key,
        value=value,
        error_code=header(headers, "error_code"),
        error_message=header(headers, "error_message"),
        source_topic=header(headers, "source_topic"),
        source_partition=number("source_partition"),
        source_offset=number("source_offset"),
        first_seen=header(headers, "first_seen"),
        partner=header(headers, "partner"),
        replay_topic=header(headers, "replay_topic"),
        payload_withheld=header(headers, "payload_withheld"),
        not_replayable=header(headers, "not_replayable"),
        key_withheld=header(headers, "key_withheld"),
        original_sizes=header(headers, "original_sizes"),
        trace_id=safe_trace_id_of(header(headers, TRACEPARENT)),
    )

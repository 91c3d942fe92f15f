"""The dead-letter record format: original key and bytes, the reason in headers.

Headers (UTF-8): error_code, error_message, source_topic, source_partition, source_offset,
first_seen (ISO 8601, kept from the first failure across replays), partner, and optionally
replay_topic (where `quanhub dlq replay` must send the value when it is not the source
topic), payload_withheld (the value was dropped, and why: `personal-data` when it held clear
personal data, `too-large` when it would not fit a Kafka record) and not_replayable (the
reason it must never be re-driven, e.g. its publisher was not allowed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["DeadLetterRecord", "dead_letter_headers", "header", "read_dead_letter"]

Headers = Sequence[tuple[str, bytes]]
MAX_MESSAGE = 2000


def header(headers: Headers | None, name: str) -> str:
    """The first header called `name`, decoded, or "" when absent."""
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace") if value is not None else ""
    return ""


#: Why a dead letter's value was dropped (its payload_withheld header); the source topic
#: keeps the record, at source_offset.
WITHHELD_PERSONAL_DATA = "personal-data"
WITHHELD_TOO_LARGE = "too-large"
#: Each reason, as `quanhub dlq show` explains it.
WITHHELD_REASONS = {
    WITHHELD_PERSONAL_DATA: "it held clear personal data",
    WITHHELD_TOO_LARGE: "it was too large for a Kafka record",
}


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
    replay_topic: str = "",
    payload_withheld: str = "",
    not_replayable: str = "",
) -> list[tuple[str, bytes]]:
    """Headers of one dead letter; first_seen survives from an earlier failure if present."""
    seen = header(original, "first_seen") or first_seen.isoformat()
    out = [
        ("error_code", error_code),
        ("error_message", error_message[:MAX_MESSAGE]),
        ("source_topic", source_topic),
        ("source_partition", str(source_partition)),
        ("source_offset", str(source_offset)),
        ("first_seen", seen),
        ("partner", partner),
    ]
    if replay_topic:
        out.append(("replay_topic", replay_topic))
    if payload_withheld:
        out.append(("payload_withheld", payload_withheld))
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

    @property
    def target_topic(self) -> str:
        """Where a replay re-drives the value."""
        return self.replay_topic or self.source_topic


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
    )

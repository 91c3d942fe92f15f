"""Dead-letter headers: written, read back, first_seen kept across replays, filtered."""

from __future__ import annotations

from datetime import UTC, datetime

from quanhub.normalizer.deadletter import dead_letter_headers, read_dead_letter
from quanhub.normalizer.deadletter_ops import select

FIRST = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def _headers(**overrides: object) -> list[tuple[str, bytes]]:
    values: dict[str, object] = {
        "error_code": "unknown_carrier",
        "error_message": "unknown_carrier: parcel.carrier_code 'x' names no known carrier",
        "source_topic": "quanhub.raw.parcel.v1",
        "source_partition": 2,
        "source_offset": 41,
        "first_seen": LATER,
        "partner": "zto",
    } | overrides
    return dead_letter_headers(**values)  # type: ignore[arg-type]


def test_headers_round_trip() -> None:
    letter = read_dead_letter(5, 0, b"k", b"v", _headers())
    assert (letter.error_code, letter.source_partition, letter.source_offset) == (
        "unknown_carrier",
        2,
        41,
    )
    assert letter.first_seen == LATER.isoformat()
    assert letter.target_topic == "quanhub.raw.parcel.v1"
    assert not letter.payload_withheld


def test_first_seen_survives_a_replay_and_replay_topic_wins() -> None:
    replayed = [("first_seen", FIRST.isoformat().encode()), ("partner", b"zto")]
    headers = _headers(original=replayed, replay_topic="quanhub.raw.order.v1")
    letter = read_dead_letter(6, 0, None, b"v", headers)
    assert letter.first_seen == FIRST.isoformat()
    assert letter.target_topic == "quanhub.raw.order.v1"


def test_long_messages_are_cut() -> None:
    letter = read_dead_letter(7, 0, None, b"", _headers(error_message="x" * 5000))
    assert len(letter.error_message) == 2000


def test_select_filters_combine() -> None:
    letters = [
        read_dead_letter(i, 0, None, b"v", _headers(error_code=code, partner=partner))
        for i, (code, partner) in enumerate(
            [("undecodable", "a"), ("missing_field", "a"), ("missing_field", "b")]
        )
    ]
    assert [d.offset for d in select(letters, code="missing_field")] == [1, 2]
    assert [d.offset for d in select(letters, code="missing_field", partner="a")] == [1]
    assert [d.offset for d in select(letters, from_offset=1, to_offset=1)] == [1]
    assert select(letters, source_topic="elsewhere") == []

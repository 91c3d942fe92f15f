"""Dead-letter headers: written, read back, first_seen kept across replays, filtered."""

from __future__ import annotations

from datetime import UTC, datetime

from quanhub.normalizer.deadletter import RecordSizes, dead_letter_headers, read_dead_letter
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


def test_a_first_seen_that_is_no_timestamp_or_too_long_is_not_kept() -> None:
    for text in ("13812345678 张三", "2" * 100, "2026-11-01T08:00:00+00:00" + " " * 50):
        headers = _headers(original=[("first_seen", text.encode())], first_seen=LATER)
        assert read_dead_letter(1, 0, None, b"v", headers).first_seen == LATER.isoformat()


def test_a_reference_says_where_the_record_is_and_is_never_replayed() -> None:
    sizes = RecordSizes(key=1_000_000, value=3, headers=2, header_bytes=40)
    headers = _headers(sizes=sizes, payload_withheld="too-large", key_withheld="too-large")
    letter = read_dead_letter(8, 0, None, b"", headers)
    assert letter.is_reference
    assert letter.original_sizes == "key=1000000 value=3 headers=2 header_bytes=40"
    refusal = letter.replay_refusal()
    assert refusal.startswith("a reference only")
    assert "quanhub.raw.parcel.v1[2]@41" in refusal
    assert read_dead_letter(9, 0, b"k", b"v", _headers()).replay_refusal() == ""
    withheld = read_dead_letter(9, 0, b"k", b"", _headers(payload_withheld="personal-data"))
    assert "withheld" in withheld.replay_refusal()
    assert not withheld.is_reference

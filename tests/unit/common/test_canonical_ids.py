"""Canonical event ids stay exactly UUIDv5(EVENT_NAMESPACE, partner + U+001F + event id)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from quanhub.common.ids import EVENT_NAMESPACE, canonical_event_id, canonical_event_id_text


def _reference(partner: str, event_id: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{partner}\x1f{event_id}")


def test_known_id_never_changes() -> None:
    # Pinned: every id already in a ledger depends on this staying the same.
    expected = "1c5dd036-b8e9-5899-b73e-778160b359f8"
    assert str(_reference("SF", "evt-1")) == expected
    assert str(canonical_event_id("SF", "evt-1")) == expected
    assert canonical_event_id_text("SF", "evt-1") == expected


@given(st.text(max_size=40), st.text(max_size=200))
def test_ids_are_byte_identical_to_uuid5(partner: str, event_id: str) -> None:
    reference = _reference(partner, event_id)
    fast = canonical_event_id(partner, event_id)
    assert fast == reference
    assert fast.version == 5
    assert fast.bytes == reference.bytes
    assert canonical_event_id_text(partner, event_id) == str(reference)


def test_repeated_calls_do_not_share_hash_state() -> None:
    first = canonical_event_id_text("ZTO", "a")
    canonical_event_id_text("ZTO", "b" * 1000)
    assert canonical_event_id_text("ZTO", "a") == first
    assert first != canonical_event_id_text("ZTO", "b")

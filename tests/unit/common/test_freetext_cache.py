"""scrub_text remembers texts that scrub to themselves, and never one it masked."""

from __future__ import annotations

from quanhub.common import freetext


def test_a_masked_text_is_never_remembered_and_masks_again() -> None:
    text = "派件员电话 138 1234 5678"
    first = freetext.scrub_text(text)
    assert first != text
    assert text not in freetext._CLEAN
    assert freetext.scrub_text(text) == first


def test_a_clean_text_is_remembered_and_answered_as_itself() -> None:
    text = "快件已到达【济南转运中心】"
    assert freetext.scrub_text(text) is text
    assert text in freetext._CLEAN
    assert freetext.scrub_text(text) is text


def test_the_memory_is_bounded() -> None:
    for i in range(freetext._CLEAN_MAX + 10):
        freetext.scrub_text(f"站点{i}")
    assert len(freetext._CLEAN) <= freetext._CLEAN_MAX
    long_text = "长" * (freetext._CLEAN_LONGEST + 1)
    freetext.scrub_text(long_text)
    assert long_text not in freetext._CLEAN

"""API key format, hashing and constant-time matching."""

from __future__ import annotations

import pytest

from quanhub.common.access.keys import derive_key, generate_key, hash_key, key_matches, parse_key_id
from quanhub.common.access.model import AuthenticationFailed


def test_generated_key_carries_its_id_and_matches_only_its_hash() -> None:
    key_id, api_key = generate_key()
    other_id, other_key = generate_key()
    assert api_key.startswith(f"qh_{key_id}_")
    assert parse_key_id(api_key) == key_id
    assert key_id != other_id
    assert key_matches(api_key, hash_key(api_key))
    assert not key_matches(other_key, hash_key(api_key))
    assert len(hash_key(api_key)) == 32


def test_secret_part_has_256_bits() -> None:
    _, api_key = generate_key()
    assert len(api_key.split("_", 2)[2]) == 43


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "qh_",
        "Bearer qh_0123456789ab_" + "A" * 43,
        "qh_0123456789AB_" + "A" * 43,
        "qh_0123456789ab_" + "A" * 42,
        "xx_0123456789ab_" + "A" * 43,
        "qh_0123456789ab_" + "A" * 42 + "é",
    ],
)
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(AuthenticationFailed):
        parse_key_id(bad)


def test_derived_keys_are_stable_and_distinct_per_label() -> None:
    assert derive_key(b"m", "SF") == derive_key(b"m", "SF")
    assert derive_key(b"m", "SF") != derive_key(b"m", "ZTO")
    assert derive_key(b"m", "SF") != derive_key(b"n", "SF")
    key_id, api_key = derive_key(b"m", "SF")
    assert parse_key_id(api_key) == key_id

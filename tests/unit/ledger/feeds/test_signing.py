"""Webhook signature format and verification."""

from __future__ import annotations

import hashlib
import hmac

from quanhub.ledger.feeds.signing import (
    compute_signature,
    new_secret,
    signature_header,
    verify_signature,
)

SECRET = "whsec_test-secret-0123456789abcdefghijklmnop"
BODY = b'{"delivery_id":"d","subscription_id":"s","events":[{"seq":1}]}'


def test_header_format_is_t_and_v1_hex_hmac_of_timestamp_dot_body() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_genuine_signature_verifies() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    assert verify_signature(SECRET, header, BODY, now=1_700_000_030)


def test_a_changed_body_fails() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    assert not verify_signature(SECRET, header, BODY + b" ", now=1_700_000_000)


def test_another_secret_fails() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    assert not verify_signature(SECRET + "x", header, BODY, now=1_700_000_000)


def test_an_old_timestamp_is_a_replay_and_fails() -> None:
    header = signature_header(SECRET, 1_700_000_000, BODY)
    assert not verify_signature(SECRET, header, BODY, now=1_700_000_000 + 301)


def test_a_swapped_timestamp_fails_because_it_is_signed() -> None:
    signature = compute_signature(SECRET, 1_700_000_000, BODY)
    forged = f"t=1700000500,v1={signature}"
    assert not verify_signature(SECRET, forged, BODY, now=1_700_000_500)


def test_any_of_several_v1_entries_may_match_during_rotation() -> None:
    good = compute_signature(SECRET, 1_700_000_000, BODY)
    header = f"t=1700000000,v1={'0' * 64},v1={good}"
    assert verify_signature(SECRET, header, BODY, now=1_700_000_000)


def test_malformed_headers_fail() -> None:
    for header in ["", "t=abc,v1=00", "v1=00", "t=1700000000", "garbage"]:
        assert not verify_signature(SECRET, header, BODY, now=1_700_000_000)


def test_new_secrets_are_long_and_distinct() -> None:
    a, b = new_secret(), new_secret()
    assert a != b
    assert a.startswith("whsec_")
    assert len(a) >= 40

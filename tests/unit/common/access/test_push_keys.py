"""A partner's own push key sealed for the registry: it opens only for the row it was
sealed for, under the hub secret it was sealed with."""

from __future__ import annotations

import pytest

from quanhub.common.access.model import Principal, Role
from quanhub.common.access.push import PushChannel, push_secret, verifying_secret
from quanhub.common.access.push_keys import PushKeyUnreadable, open_push_key, seal_push_key

MASTER = b"hub-secret-for-tests-0123456789abcdef"
APP_KEY = "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"  # the shape of a Kdniao AppKey
YTO = Principal("YTO", Role.CARRIER, "YTO Express", None)


def test_a_sealed_key_opens_for_its_row() -> None:
    sealed = seal_push_key(MASTER, "YTO", "kdniao", "1237100", APP_KEY)
    assert open_push_key(MASTER, "YTO", "kdniao", "1237100", sealed) == APP_KEY


def test_the_sealed_key_does_not_hold_the_clear_key() -> None:
    sealed = seal_push_key(MASTER, "YTO", "kdniao", None, APP_KEY)
    assert APP_KEY.encode() not in sealed
    assert APP_KEY.replace("-", "").encode() not in sealed.hex().encode()
    # a fresh nonce each time: two seals of one key do not compare equal
    assert sealed != seal_push_key(MASTER, "YTO", "kdniao", None, APP_KEY)


@pytest.mark.parametrize(
    ("partner", "fmt", "account"),
    [
        ("ZTO", "kdniao", "1237100"),  # moved to another partner's row
        ("YTO", "kuaidi100", "1237100"),  # moved to another format
        ("YTO", "kdniao", "9999999"),  # beside another account
        ("YTO", "kdniao", None),  # its account removed
    ],
)
def test_a_sealed_key_moved_to_another_row_does_not_open(
    partner: str, fmt: str, account: str | None
) -> None:
    sealed = seal_push_key(MASTER, "YTO", "kdniao", "1237100", APP_KEY)
    with pytest.raises(PushKeyUnreadable):
        open_push_key(MASTER, partner, fmt, account, sealed)


def test_another_hub_secret_does_not_open_it() -> None:
    sealed = seal_push_key(MASTER, "YTO", "kdniao", None, APP_KEY)
    with pytest.raises(PushKeyUnreadable):
        open_push_key(b"another-hub-secret-0123456789abcdef", "YTO", "kdniao", None, sealed)


@pytest.mark.parametrize("damage", ["flip", "truncate", "version", "empty"])
def test_an_altered_sealed_key_does_not_open(damage: str) -> None:
    sealed = bytearray(seal_push_key(MASTER, "YTO", "kdniao", None, APP_KEY))
    if damage == "flip":
        sealed[-1] ^= 1
    elif damage == "truncate":
        del sealed[-17:]
    elif damage == "version":
        sealed[0] = 2
    else:
        sealed.clear()
    with pytest.raises(PushKeyUnreadable) as caught:
        open_push_key(MASTER, "YTO", "kdniao", None, bytes(sealed))
    assert caught.value.code == "push_key_unreadable"


def test_a_channel_verifies_with_its_own_key_when_one_is_set() -> None:
    sealed = seal_push_key(MASTER, "YTO", "kdniao", "1237100", APP_KEY)
    own = PushChannel(YTO, "n1", sealed, "1237100")
    assert verifying_secret(MASTER, own, "kdniao") == APP_KEY
    derived = PushChannel(YTO, "n1")
    assert verifying_secret(MASTER, derived, "kdniao") == push_secret(MASTER, "YTO", "kdniao", "n1")

"""Which addresses a webhook may reach, over generated spellings of internal addresses.

An internal IPv4 address can be written as IPv6 in many ways that still reach it (mapped,
compatible, translated, NAT64, 6to4, Teredo) and as IPv4 in many ways that the resolver
still reads (integers, hex, octal, short forms). Every spelling must be refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.ledger.feeds.addresses import is_public
from quanhub.ledger.feeds.errors import InvalidSubscriberUrl
from quanhub.ledger.feeds.urls import check_resolved, check_url

#: Written out here on purpose, not read from quanhub.ledger.feeds.addresses: an independent
#: list of what must be refused, so a block dropped from (or mistyped in) the module's table
#: fails these tests instead of silently shrinking what they check.
INTERNAL_V4 = [
    IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]
INTERNAL_V6 = [
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
        "100::/64",
        "2001:db8::/32",
        "2001::/23",
        "64:ff9b:1::/48",
        "5f00::/16",
        "3fff::/20",
    )
]


def _in(network: IPv4Network | ipaddress.IPv6Network) -> st.SearchStrategy[int]:
    return st.integers(int(network.network_address), int(network.broadcast_address))


internal_v4 = st.sampled_from(INTERNAL_V4).flatmap(_in).map(IPv4Address)
internal_v6 = st.sampled_from(INTERNAL_V6).flatmap(_in).map(IPv6Address)
#: Public IPv4: 8.0.0.0/7 and 80.0.0.0/5 hold no special-purpose range.
public_v4 = st.one_of(
    st.integers(int(IPv4Address("8.0.0.0")), int(IPv4Address("9.255.255.255"))),
    st.integers(int(IPv4Address("80.0.0.0")), int(IPv4Address("87.255.255.255"))),
).map(IPv4Address)
#: Global unicast IPv6 outside every special-purpose block (2400::/6 is all RIR space).
public_v6 = st.integers(
    int(IPv6Address("2400::")), int(IPv6Address("27ff:" + "ffff:" * 6 + "ffff"))
)


def _v6(value: int) -> IPv6Address:
    return IPv6Address(value)


def _teredo(server: IPv4Address, client: IPv4Address, low: int) -> IPv6Address:
    obfuscated = int(client) ^ 0xFFFFFFFF
    return _v6((0x20010000 << 96) | (int(server) << 64) | (low << 32) | obfuscated)


def wrapped(v4: IPv4Address, suffix: int, low: int) -> list[IPv6Address]:
    """Every IPv6 form that carries (and may route to) `v4`."""
    n = int(v4)
    return [
        _v6(0xFFFF << 32 | n),  # IPv4-mapped ::ffff:a.b.c.d
        _v6(n),  # IPv4-compatible ::a.b.c.d
        _v6(0xFFFF << 48 | n),  # IPv4-translated ::ffff:0:a.b.c.d
        _v6(0x0064FF9B << 96 | n),  # NAT64 64:ff9b::a.b.c.d
        _v6(0x0064FF9B0001 << 80 | suffix),  # local-use NAT64 64:ff9b:1::/48
        _v6(0x2002 << 112 | n << 80 | suffix),  # 6to4 2002:aabb:ccdd::/48
        _teredo(IPv4Address("8.8.8.8"), v4, low & 0xFFFF),  # Teredo client
        _teredo(v4, IPv4Address("8.8.8.8"), low & 0xFFFF),  # Teredo server
    ]


def spellings(address: IPv6Address) -> list[str]:
    """Text forms of one IPv6 address a URL may carry: compressed, exploded, upper case,
    and with the last 32 bits as dotted IPv4."""
    exploded = address.exploded
    tail = IPv4Address(int(address) & 0xFFFFFFFF)
    dotted = ":".join(exploded.split(":")[:6]) + f":{tail}"
    return [str(address), exploded, exploded.upper(), dotted, str(address).upper()]


@settings(max_examples=400, deadline=None)
@given(internal_v4, st.integers(0, 2**80 - 1), st.integers(0, 2**32 - 1))
def test_internal_ipv4_is_refused_in_every_ipv6_form(
    v4: IPv4Address, suffix: int, low: int
) -> None:
    assert not is_public(v4)
    for form in wrapped(v4, suffix, low):
        assert not is_public(form), form
        for text in spellings(form):
            with pytest.raises(InvalidSubscriberUrl):
                check_url(f"https://[{text}]:8443/hook", allow_private=False)


@settings(max_examples=300, deadline=None)
@given(internal_v6)
def test_internal_ipv6_is_refused(address: IPv6Address) -> None:
    assert not is_public(address)
    for text in spellings(address):
        with pytest.raises(InvalidSubscriberUrl):
            check_url(f"http://[{text}]/hook", allow_private=False)


@settings(max_examples=300, deadline=None)
@given(public_v4, public_v6)
def test_public_addresses_and_their_routable_ipv6_forms_are_accepted(
    v4: IPv4Address, v6: int
) -> None:
    assert is_public(v4)
    assert is_public(_v6(v6))
    n = int(v4)
    for form in (_v6(0xFFFF << 32 | n), _v6(0x0064FF9B << 96 | n), _v6(0x2002 << 112 | n << 80)):
        assert is_public(form), form
        assert check_url(f"https://[{form}]/hook", allow_private=False) == str(form)


@pytest.mark.parametrize(
    "host",
    [
        "::127.0.0.1",
        "64:ff9b::127.0.0.1",
        "2002:7f00:1::",
        "::ffff:0:127.0.0.1",
        "::ffff:7f00:1",
        "0:0:0:0:0:ffff:127.0.0.1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo client 127.0.0.1
        "64:ff9b:1::a00:1",
    ],
)
def test_reported_spellings_are_refused(host: str) -> None:
    with pytest.raises(InvalidSubscriberUrl):
        check_url(f"http://[{host}]/hook", allow_private=False)


def _v4_spellings(v4: IPv4Address) -> list[str]:
    """IPv4 text forms the system resolver reads as numbers (inet_aton)."""
    a, b, c, d = v4.packed
    n = int(v4)
    return [
        str(n),
        hex(n),
        f"0{n:o}",
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}",
        f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",
    ]


@settings(max_examples=60, deadline=None)
@given(internal_v4)
def test_numeric_ipv4_spellings_are_refused_once_resolved(v4: IPv4Address) -> None:
    async def refused(host: str) -> bool:
        try:
            await check_resolved(
                check_url(f"http://{host}/h", allow_private=False), allow_private=False
            )
        except InvalidSubscriberUrl:
            return True
        return False

    async def all_refused() -> list[str]:
        return [h for h in _v4_spellings(v4) if not await refused(h)]

    assert asyncio.run(all_refused()) == []

"""Which IP addresses a webhook may reach: globally routable unicast only, however spelled.

An internal IPv4 address can hide inside an IPv6 one that still leads to it: IPv4-mapped
(`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`),
NAT64 (`64:ff9b::a.b.c.d`, and the local-use `64:ff9b:1::/48`), 6to4 (`2002:aabb:ccdd::`)
and Teredo (`2001:0::/32`, server and obfuscated client). The rule is an allow-list, not a
deny-list, so a form we did not think of is refused rather than admitted:

- IPv4: not in any IANA special-purpose block (private, loopback, link-local, shared,
  documentation, benchmarking, multicast, reserved, broadcast, this-network);
- IPv6: the forms that route to an IPv4 address (mapped, NAT64 well-known prefix, 6to4)
  are judged by that address; the other transition forms are refused outright; everything
  else must be global unicast (2000::/3) outside the special-purpose blocks.

`ipaddress.is_global` alone is not enough: before Python 3.12.4 it calls `::127.0.0.1`,
`64:ff9b::7f00:1`, `2002:7f00:1::` and `fec0::1` global.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

#: IANA IPv4 special-purpose blocks that are not globally reachable (RFC 6890 and later),
#: plus multicast and the 6to4 relay anycast block.
_INTERNAL_V4 = tuple(
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
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
#: Special-purpose blocks inside 2000::/3 (Teredo and ORCHID included), and the IPv6
#: transition forms refused whatever they carry.
_INTERNAL_V6 = tuple(
    IPv6Network(n)
    for n in (
        "::/96",  # unspecified, loopback, IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo 2001::/32 included
        "2001:db8::/32",  # documentation
        "2620:4f:8000::/48",  # AS112
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
    )
)
_MAPPED = IPv6Network("::ffff:0:0/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")


def routes_to_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address leads to (mapped, NAT64 or 6to4), if any."""
    if address in _MAPPED or address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    return None


def _public_v4(address: IPv4Address) -> bool:
    return not any(address in block for block in _INTERNAL_V4)


def is_public(address: IPAddress) -> bool:
    """Whether the hub may open a connection to this address outside the local profile."""
    if isinstance(address, IPv4Address):
        return _public_v4(address)
    if address.scope_id:
        return False  # a zone index only means something on a link of this host
    inner = routes_to_ipv4(address)
    if inner is not None:
        return _public_v4(inner)
    if address not in _GLOBAL_UNICAST:
        return False
    return not any(address in block for block in _INTERNAL_V6)

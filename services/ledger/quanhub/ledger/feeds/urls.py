"""Which subscriber URLs the hub will call: http(s) only, and no internal addresses outside
the local profile (a webhook must not become a way to probe the hub's own network)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from quanhub.ledger.feeds.errors import InvalidSubscriberUrl

MAX_URL_LENGTH = 2048
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_private: bool) -> str:
    """The host of a syntactically acceptable subscriber URL; InvalidSubscriberUrl otherwise.

    Literal IP hosts are checked here; names are checked after resolution
    (`check_resolved`), at creation and again before every delivery.
    """
    if len(url) > MAX_URL_LENGTH:
        msg = f"the URL is longer than {MAX_URL_LENGTH} characters"
        raise InvalidSubscriberUrl(msg)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        msg = "the URL must use http or https"
        raise InvalidSubscriberUrl(msg)
    if parts.username is not None or parts.password is not None:
        msg = "the URL must not carry credentials; the signature authenticates the hub"
        raise InvalidSubscriberUrl(msg)
    host = parts.hostname
    if not host:
        msg = "the URL has no host"
        raise InvalidSubscriberUrl(msg)
    try:
        _ = parts.port
    except ValueError as exc:
        msg = "the URL has an invalid port"
        raise InvalidSubscriberUrl(msg) from exc
    if allow_private:
        return host
    if host.lower() in _LOCAL_NAMES:
        msg = "the URL points at this host"
        raise InvalidSubscriberUrl(msg)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return host
    if not _is_public(literal):
        msg = "the URL points at a loopback, private or reserved address"
        raise InvalidSubscriberUrl(msg)
    return host


async def check_resolved(host: str, *, allow_private: bool) -> None:
    """Refuse a host name that resolves to any non-public address (unless allowed)."""
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        msg = "the URL's host does not resolve"
        raise InvalidSubscriberUrl(msg, retriable=True) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not _is_public(address):
            msg = "the URL's host resolves to a loopback, private or reserved address"
            raise InvalidSubscriberUrl(msg)


async def validate_url(url: str, *, allow_private: bool) -> None:
    """Both checks, as done when a subscription is created."""
    host = check_url(url, allow_private=allow_private)
    await check_resolved(host, allow_private=allow_private)

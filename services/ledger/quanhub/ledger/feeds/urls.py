"""Which subscriber URLs the hub will call: http(s) only, and no internal addresses outside
the local profile (a webhook must not become a way to probe the hub's own network)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from quanhub.ledger.feeds.addresses import is_public
from quanhub.ledger.feeds.errors import InvalidSubscriberUrl

MAX_URL_LENGTH = 2048
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})
#: (host, port) -> the addresses to try, as text.
Resolver = Callable[[str, int], Awaitable[list[str]]]


def check_url(url: str, *, allow_private: bool) -> str:
    """The host of a syntactically acceptable subscriber URL; InvalidSubscriberUrl otherwise.

    Literal IP hosts are checked here; names are checked after resolution
    (`check_resolved`) at creation, and the dispatcher checks the very address each
    connection goes to (`resolve_checked`, in its transport).
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
    if not is_public(literal):
        msg = "the URL points at a loopback, private or reserved address"
        raise InvalidSubscriberUrl(msg)
    return host


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host`, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_checked(
    host: str, port: int, *, allow_private: bool, resolve: Resolver = system_resolve
) -> list[str]:
    """`host` resolved once; InvalidSubscriberUrl if any address it gives is not public
    (unless allowed). Connect to these very addresses: a second lookup could differ."""
    try:
        addresses = await resolve(host, port)
    except OSError as exc:
        msg = "the URL's host does not resolve"
        raise InvalidSubscriberUrl(msg, retriable=True) from exc
    if not addresses:
        msg = "the URL's host does not resolve"
        raise InvalidSubscriberUrl(msg, retriable=True)
    if allow_private:
        return addresses
    for address in addresses:
        if not is_public(ipaddress.ip_address(address)):
            msg = "the URL's host resolves to a loopback, private or reserved address"
            raise InvalidSubscriberUrl(msg)
    return addresses


async def check_resolved(host: str, *, allow_private: bool) -> None:
    """Refuse a host name that resolves to any non-public address (unless allowed)."""
    if not allow_private:
        await resolve_checked(host, 0, allow_private=False)


async def validate_url(url: str, *, allow_private: bool) -> None:
    """Both checks, as done when a subscription is created."""
    host = check_url(url, allow_private=allow_private)
    await check_resolved(host, allow_private=allow_private)

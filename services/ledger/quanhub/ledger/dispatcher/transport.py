"""The dispatcher's HTTP transport: every connection goes to an address checked for it.

A subscriber URL names a host; checking its addresses and then letting the HTTP client
resolve it again leaves a gap a rebinding DNS server can use (public at the check, loopback
at the connect). Here the resolution that is checked is the one connected to: the network
backend resolves the host, refuses the connection if any address is not public (outside the
local profile), and opens the socket to the checked address itself. TLS still verifies the
certificate against the URL's host name, as httpcore passes that name, not the address.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpcore
import httpx

from quanhub.ledger.feeds.errors import InvalidSubscriberUrl
from quanhub.ledger.feeds.urls import Resolver, resolve_checked, system_resolve


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects in one place (TCP only)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Resolver = system_resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolve = resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first checked address of `host` that accepts."""
        addresses = await resolve_checked(
            host, port, allow_private=self._allow_private, resolve=self._resolve
        )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # noqa: S101 - resolve_checked never returns no address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: subscribers are reached over TCP only."""
        msg = "the hub does not call Unix sockets"
        raise InvalidSubscriberUrl(msg)

    async def sleep(self, seconds: float) -> None:
        """The inner backend's sleep (httpcore's retry delays)."""
        await self._inner.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the connection pool built on a CheckedBackend.

    httpx does not take a network backend, so the pool it built is replaced by the same
    pool with ours (no proxy: the dispatcher never uses one, `trust_env` is off).
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Resolver = system_resolve,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(allow_private=allow_private, resolve=resolve),
        )

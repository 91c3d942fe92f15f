"""A small HTTP/1.1 keep-alive client for the benchmark's load loops.

The load clients share the machine's two cores with the services they measure. httpx
spent about a millisecond of CPU per request (more than the ledger API spent answering
it), which inflated the latencies it measured and took CPU from the server. This client
does only what those loops need, on asyncio streams: one connection, one request at a
time, bodies framed by Content-Length. Anything else in an answer (chunked or other
transfer codings, no Content-Length, a malformed head) is a `ProtocolError`, never a guess.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import orjson

#: The largest response head (status line and headers) read before giving up.
HEAD_LIMIT = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


class HttpError(Exception):
    """A request did not get a usable answer."""


class TransportError(HttpError):
    """The connection failed: refused, reset, closed before the answer ended, or timed out."""


class ProtocolError(HttpError):
    """The answer is not something this client reads (it says so rather than guess)."""


@dataclass(frozen=True, slots=True)
class Response:
    """A whole answer: status, headers (names lower-cased) and the body read in full."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return orjson.loads(self.body)


def _check(text: str) -> str:
    if "\r" in text or "\n" in text:
        raise ValueError(f"line break in a request line or header: {text!r}")
    return text


def encode_head(
    method: str, path: str, host: str, headers: Mapping[str, str], body_length: int | None
) -> bytes:
    """The request line and headers, Content-Length when there is a body to frame."""
    lines = [f"{_check(method)} {_check(path)} HTTP/1.1", f"Host: {host}"]
    lines += [f"{_check(name)}: {_check(value)}" for name, value in headers.items()]
    if body_length is not None:
        lines.append(f"Content-Length: {body_length}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


def parse_head(head: bytes) -> tuple[int, dict[str, str], bool]:
    """Status, headers (lower-cased names; repeats joined by ", ") and whether the server
    keeps the connection open, from a response head ending in a blank line."""
    text = head.decode("latin-1")
    if not text.endswith("\r\n\r\n"):
        raise ProtocolError("response head does not end with a blank line")
    lines = text[:-4].split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if version not in ("HTTP/1.1", "HTTP/1.0") or not code.isdigit() or rest[3:4] not in ("", " "):
        raise ProtocolError(f"not an HTTP/1.x status line: {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ProtocolError(f"malformed header line: {line!r}")
        key = name.lower()
        value = value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    connection = headers.get("connection", "").lower()
    # HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only when asked to.
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return int(code), headers, keep_alive


def body_length(status: int, headers: Mapping[str, str], method: str) -> int:
    """How many body bytes follow the head; only Content-Length framing is understood."""
    if "transfer-encoding" in headers:
        raise ProtocolError(f"unsupported Transfer-Encoding: {headers['transfer-encoding']!r}")
    if 100 <= status < 200:
        raise ProtocolError(f"unexpected interim response {status}")
    if method == "HEAD" or status in _NO_BODY_STATUSES:
        return 0
    length = headers.get("content-length")
    if length is None:
        raise ProtocolError(f"{status} answer without Content-Length")
    if not length.isdigit():
        raise ProtocolError(f"bad Content-Length: {length!r}")
    return int(length)


class Connection:
    """One keep-alive connection to an http:// server, one request at a time.

    It connects on the first request and again after the server closed it (an answer with
    `Connection: close`) or after a failed request; `connects` counts how often.
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"expected http://host[:port], got {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._host_header = parts.netloc
        self._timeout = timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._busy = False
        self.connects = 0

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET `path` (with its query string)."""
        return await self.request("GET", path, headers)

    async def post(
        self, path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> Response:
        """POST `body` to `path`."""
        return await self.request("POST", path, headers, body)

    async def request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        """Send one request and read its whole answer. A transport or protocol failure
        closes the connection (its state is unknown); the next request opens a new one."""
        if self._busy:
            raise RuntimeError("one request at a time on a Connection")
        length = len(body) if body is not None else (0 if method in ("POST", "PUT") else None)
        head = encode_head(method, path, self._host_header, headers or {}, length)
        self._busy = True
        try:
            async with asyncio.timeout(self._timeout):
                return await self._exchange(method, head + body if body else head)
        except TimeoutError as exc:
            self._drop()
            raise TransportError(f"no answer within {self._timeout:g}s") from exc
        except (OSError, asyncio.IncompleteReadError) as exc:
            self._drop()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        except asyncio.LimitOverrunError as exc:
            self._drop()
            raise ProtocolError(f"response head longer than {HEAD_LIMIT} bytes") from exc
        except BaseException:  # a ProtocolError, or cancelled halfway through an exchange
            self._drop()
            raise
        finally:
            self._busy = False

    async def _exchange(self, method: str, data: bytes) -> Response:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port, limit=HEAD_LIMIT)
            self.connects += 1
        reader, writer = self._streams
        writer.write(data)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status, headers, keep_alive = parse_head(head)
        n = body_length(status, headers, method)
        body = await reader.readexactly(n) if n else b""
        if not keep_alive:
            await self.aclose()
        return Response(status, headers, body)

    def _drop(self) -> None:
        """Forget the connection at once (after a failure its state is unknown)."""
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()

    async def aclose(self) -> None:
        """Close the connection (a later request opens a new one)."""
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()

"""The benchmark's HTTP/1.1 load client against a tiny scripted asyncio server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from quanhub.bench.http1 import Connection, ProtocolError, TransportError, parse_head

HANG = b"hang"  # a scripted answer: read the request, never reply
DROP = b"drop"  # a scripted answer: read the request, close the connection


@dataclass
class Seen:
    """One request as the server read it."""

    connection: int
    head: list[str]
    body: bytes


@dataclass
class Server:
    """Answers each request with the next scripted reply, in the order requests arrive."""

    replies: list[bytes]
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                head = raw.decode("latin-1")[:-4].split("\r\n")
                length = 0
                for line in head[1:]:
                    name, _, value = line.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                self.seen.append(Seen(number, head, body))
                reply = self.replies.pop(0)
                if reply == HANG:
                    await reader.read()  # until the client gives up and closes
                    return
                if reply == DROP:
                    return
                writer.write(reply)
                await writer.drain()
                if b"connection: close" in reply.lower():
                    return
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server([])
    listening = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}"
    async with listening:
        yield state
        listening.close()


def answer(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers, f"content-length: {len(body)}", "", ""]
    return "\r\n".join(lines).encode() + body


async def test_requests_reuse_one_connection_and_answers_are_read_whole(server: Server) -> None:
    server.replies = [
        answer("200 OK", b'{"parcel": "SF1"}', "Content-Type: application/json"),
        answer("202 Accepted", b'{"accepted": 3}', "X-Twice: a", "x-twice: b"),
        answer("404 Not Found", b""),
    ]
    async with Connection(server.url) as http:
        first = await http.get("/v1/parcels/SF/1?x=1", {"Authorization": "Bearer k"})
        second = await http.post("/v1/events", b"\x00\x01body", {"Content-Type": "a/b"})
        third = await http.get("/missing")
    assert (first.status, first.json(), first.headers["content-type"]) == (
        200,
        {"parcel": "SF1"},
        "application/json",
    )
    assert (second.status, second.json(), second.headers["x-twice"]) == (
        202,
        {"accepted": 3},
        "a, b",
    )
    assert (third.status, third.body) == (404, b"")
    assert http.connects == 1
    assert server.connections == 1
    get, post, _ = server.seen
    assert get.head[0] == "GET /v1/parcels/SF/1?x=1 HTTP/1.1"
    assert "Authorization: Bearer k" in get.head
    assert not any(h.lower().startswith("content-length") for h in get.head)
    assert post.head[0] == "POST /v1/events HTTP/1.1"
    assert "Content-Length: 6" in post.head
    assert post.body == b"\x00\x01body"
    assert f"Host: {server.url.removeprefix('http://')}" in post.head


async def test_a_server_that_closes_gets_a_new_connection_next_time(server: Server) -> None:
    server.replies = [answer("200 OK", b"a", "Connection: close"), answer("200 OK", b"b")]
    async with Connection(server.url) as http:
        assert (await http.get("/1")).body == b"a"
        assert (await http.get("/2")).body == b"b"
    assert http.connects == 2
    assert [s.connection for s in server.seen] == [1, 2]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", "chunked"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", "Content-Length"),
        (b"HTTP/1.1 100 Continue\r\n\r\n", "interim"),
        (b"SPDY/3 200 OK\r\nContent-Length: 0\r\n\r\n", "status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n", "header line"),
    ],
)
async def test_answers_it_does_not_read_are_protocol_errors(
    server: Server, reply: bytes, message: str
) -> None:
    server.replies = [reply, answer("200 OK", b"fine")]
    async with Connection(server.url) as http:
        with pytest.raises(ProtocolError, match=message):
            await http.get("/odd")
        # The connection is dropped after the error; the next request opens a clean one.
        assert (await http.get("/next")).body == b"fine"
    assert http.connects == 2


async def test_no_content_statuses_have_an_empty_body(server: Server) -> None:
    server.replies = [b"HTTP/1.1 204 No Content\r\n\r\n", answer("200 OK", b"after")]
    async with Connection(server.url) as http:
        assert (await http.request("DELETE", "/x")).body == b""
        assert (await http.get("/y")).body == b"after"
    assert http.connects == 1


async def test_a_connection_closed_before_the_answer_is_a_transport_error(server: Server) -> None:
    server.replies = [DROP, answer("200 OK", b"again")]
    async with Connection(server.url) as http:
        with pytest.raises(TransportError, match="IncompleteReadError"):
            await http.get("/dropped")
        assert (await http.get("/again")).body == b"again"


async def test_a_body_cut_short_is_a_transport_error(server: Server) -> None:
    server.replies = [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc"]
    async with Connection(server.url) as http:
        with pytest.raises(TransportError):
            await http.get("/short")


async def test_no_answer_within_the_timeout_is_a_transport_error(server: Server) -> None:
    server.replies = [HANG]
    async with Connection(server.url, timeout=0.05) as http:
        with pytest.raises(TransportError, match="no answer"):
            await http.get("/slow")


async def test_a_refused_connection_is_a_transport_error() -> None:
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    listening.close()
    await listening.wait_closed()
    async with Connection(f"http://127.0.0.1:{port}") as http:
        with pytest.raises(TransportError):
            await http.get("/")
    assert http.connects == 0


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/a\r\nX-Evil: 1", {}), ("/a", {"X": "v\r\nX-Evil: 1"}), ("/a", {"X\n": "v"})],
)
async def test_line_breaks_in_a_request_are_refused(path: str, headers: dict[str, str]) -> None:
    http = Connection("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="line break"):
        await http.get(path, headers)
    assert http.connects == 0


@pytest.mark.parametrize("url", ["https://127.0.0.1", "http://127.0.0.1/base", "127.0.0.1:80"])
def test_only_plain_http_base_urls(url: str) -> None:
    with pytest.raises(ValueError, match="http://host"):
        Connection(url)


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", True),
        (b"HTTP/1.1 200\r\n\r\n", True),
    ],
)
def test_keep_alive_follows_the_version_and_connection_header(
    head: bytes, keep_alive: bool
) -> None:
    status, _, keeps = parse_head(head)
    assert (status, keeps) == (200, keep_alive)


def test_header_names_are_lower_cased_and_values_trimmed() -> None:
    head = b"HTTP/1.1 503 Busy\r\nRetry-After:  2 \r\nSet-Cookie: a\r\nset-cookie: b\r\n\r\n"
    assert parse_head(head) == (503, {"retry-after": "2", "set-cookie": "a, b"}, True)

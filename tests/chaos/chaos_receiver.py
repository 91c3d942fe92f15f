"""A webhook subscriber for the chaos run: verifies each delivery's signature and records
which events arrived in which delivery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from quanhub.ledger.feeds.signing import verify_signature
from quanhub.stack import procs


@dataclass(slots=True)
class Received:
    """What one subscription received: event_id -> the delivery ids that carried it."""

    deliveries: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: Every (delivery id) seen, with how many times it was posted (retries of one batch).
    posts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seqs: dict[str, int] = field(default_factory=dict)
    bad_signatures: int = 0

    def record(self, delivery_id: str, events: list[dict[str, object]]) -> None:
        self.posts[delivery_id] += 1
        if self.posts[delivery_id] > 1:
            return  # a retry of a batch already processed: deduplicated on the delivery id
        for event in events:
            event_id = str(event["event_id"])
            self.deliveries[event_id].append(delivery_id)
            self.seqs[event_id] = int(str(event["seq"]))

    @property
    def duplicated(self) -> int:
        """Events that arrived in two different deliveries (a real duplicate)."""
        return sum(1 for ids in self.deliveries.values() if len(ids) > 1)

    @property
    def retried_posts(self) -> int:
        """Posts of a delivery id already received (allowed: a lost 2xx is retried)."""
        return sum(n - 1 for n in self.posts.values())


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebhookReceiver:
    """Serves POST /hook/<name> on a free port until stopped."""

    def __init__(self, *, lose_every: int = 0) -> None:
        #: Answer every n-th delivery 503 after processing it (0: never).
        self.lose_every = lose_every
        self.posts = 0
        self.port = procs.free_port()
        self.secrets: dict[str, str] = {}
        self.received: dict[str, Received] = defaultdict(Received)
        app = FastAPI()

        @app.post("/hook/{name}")
        async def hook(name: str, request: Request) -> Response:
            body = await request.body()
            secret = self.secrets.get(name)
            signature = request.headers.get("quanhub-signature", "")
            if secret is None or not _valid(secret, body, signature):
                self.received[name].bad_signatures += 1
                return Response(status_code=401)
            document = orjson.loads(body)
            self.received[name].record(str(document["delivery_id"]), document["events"])
            self.posts += 1
            if self.lose_every and self.posts % self.lose_every == 0:
                # Processed, but the acknowledgement is "lost": the hub must send the same
                # delivery id again, and we must not count its events twice.
                return Response(status_code=503)
            return Response(status_code=204)

        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{name}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


def _valid(secret: str, body: bytes, header: str) -> bool:
    return verify_signature(secret, header, body, now=int(time.time()))

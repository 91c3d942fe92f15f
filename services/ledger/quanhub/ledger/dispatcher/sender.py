"""One signed POST of one delivery to its subscriber, and what came of it.

An attempt has a wall-clock deadline that covers everything: resolution, connection, the
request and the answer's status line and headers. httpx's own timeouts apply per read and
restart on every byte, so a receiver trickling one byte at a time would hold a dispatcher
slot for as long as it likes. The answer's body is never read (its status is the answer).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import httpx

from quanhub.common.clock import Clock
from quanhub.common.tracecontext import TRACEPARENT
from quanhub.ledger.dispatcher.tracing import delivery_traceparent
from quanhub.ledger.feeds.errors import InvalidSubscriberUrl
from quanhub.ledger.feeds.model import (
    CLOUDEVENTS_CONTENT_TYPE,
    cloudevents_batch,
    delivery_body,
)
from quanhub.ledger.feeds.signing import (
    DELIVERY_ID_HEADER,
    SIGNATURE_HEADER,
    STANDARD_WEBHOOKS,
    SUBSCRIPTION_ID_HEADER,
    signature_header,
    standard_headers,
)
from quanhub.ledger.feeds.urls import check_resolved, check_url

USER_AGENT = "Quanhub-Webhooks/1"
_MAX_ERROR = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt went: a 2xx is success; anything else is retried later."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class Sender:
    """POSTs delivery bodies with the hub's signature headers."""

    def __init__(
        self, client: httpx.AsyncClient, clock: Clock, *, allow_private: bool, deadline: float
    ) -> None:
        self._client = client
        self._clock = clock
        self._allow_private = allow_private
        self._deadline = deadline

    async def send(
        self,
        *,
        url: str,
        secret: str,
        subscription_id: UUID,
        delivery_id: UUID,
        events: bytes,
        signature: str = "quanhub",
        envelope: str = "quanhub",
        previous_secrets: Sequence[str] = (),
    ) -> Outcome:
        """Sign and POST one delivery; never raises for what the subscriber does. Secrets
        still in a rotation's overlap (`previous_secrets`) sign it too, after `secret`."""
        started = time.monotonic()
        if envelope == "cloudevents":
            body, content_type = cloudevents_batch(events), CLOUDEVENTS_CONTENT_TYPE
        else:
            body, content_type = (
                delivery_body(delivery_id, subscription_id, events),
                "application/json",
            )
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            DELIVERY_ID_HEADER: str(delivery_id),
            SUBSCRIPTION_ID_HEADER: str(subscription_id),
            TRACEPARENT: delivery_traceparent(delivery_id, events),  # dispatcher.tracing
        }
        if signature == STANDARD_WEBHOOKS:
            headers.update(
                standard_headers(secret, str(delivery_id), timestamp, body, previous_secrets)
            )
        else:
            headers[SIGNATURE_HEADER] = signature_header(secret, timestamp, body, previous_secrets)
        try:
            async with asyncio.timeout(self._deadline):
                status = await self._post(url, body, headers)
        except InvalidSubscriberUrl as exc:
            return self._failed(started, f"refused: {exc.message}")
        except (TimeoutError, httpx.TimeoutException):
            return self._failed(started, f"timeout: no answer within {self._deadline:g} s")
        except httpx.HTTPError as exc:
            return self._failed(started, f"{type(exc).__name__}: {exc}")
        elapsed = _ms(started)
        if 200 <= status < 300:
            return Outcome(True, status, None, elapsed)
        return Outcome(False, status, f"HTTP {status}", elapsed)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        # Checked at every attempt: a name may resolve elsewhere than at creation. The
        # transport checks again the address it connects to (quanhub.ledger.dispatcher.
        # transport); this first check gives the clearer error for a plainly bad host.
        host = check_url(url, allow_private=self._allow_private)
        await check_resolved(host, allow_private=self._allow_private)
        async with self._client.stream("POST", url, content=body, headers=headers) as response:
            return response.status_code

    @staticmethod
    def _failed(started: float, error: str) -> Outcome:
        return Outcome(False, None, error[:_MAX_ERROR], _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

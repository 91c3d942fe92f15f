"""What the route needs from the running app, gathered in one object on app.state.context."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from quanhub.common.access import KeyAuthenticator
from quanhub.common.access.push import PushChannels
from quanhub.common.clock import Clock
from quanhub.common.ratelimit import RateLimiter
from quanhub.common.topics import Topics
from quanhub.gateway.fastpath import FastPath
from quanhub.gateway.metrics import GatewayMetrics
from quanhub.gateway.parsing import BodyLimits
from quanhub.gateway.publisher import Publisher


@dataclass(frozen=True, slots=True)
class GatewayContext:
    """The gateway's collaborators, built once by create_app's lifespan (the registry's
    authenticator needs its pool); `PrincipalDep` reads `authenticator` from it too."""

    clock: Clock
    topics: Topics
    limits: BodyLimits
    limiter: RateLimiter
    publisher: Publisher
    metrics: GatewayMetrics
    pii_secret: bytes
    retry_after_seconds: int
    #: One thread on which large bodies are built and judged, off the event loop.
    worker: Executor
    authenticator: KeyAuthenticator
    #: The partners' push channels (POST /v1/inbound/{format}/{partner}), cached per process.
    push_channels: PushChannels
    #: The native fast path for protobuf bodies; None: Python does all of it.
    fast_path: FastPath | None = None


async def gateway_context(request: Request) -> GatewayContext:
    """The context create_app's lifespan stored on app.state."""
    context: GatewayContext = request.app.state.context
    return context


ContextDep = Annotated[GatewayContext, Depends(gateway_context)]

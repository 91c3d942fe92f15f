"""Fakes for the gateway's ports and an app wired with them (no I/O)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from gateway_fakes import FakeAuthenticator, FakePublisher

from quanhub.common.access.push import PushChannels
from quanhub.common.clock import FixedClock
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(
        max_events_per_request=10,
        max_body_bytes=64 * 1024,
        rate_limit_events_per_second=10,
        rate_limit_burst=20,
    )


@pytest.fixture
def push_channels() -> PushChannels | None:
    """The app's push channels: its own by default; the push routes' tests give fakes."""
    return None


@pytest.fixture
async def client(
    settings: GatewaySettings,
    publisher: FakePublisher,
    clock: FixedClock,
    push_channels: PushChannels | None,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings,
        clock=clock,
        publisher=publisher,
        authenticator=FakeAuthenticator(),
        push_channels=push_channels,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway"
        ) as http,
    ):
        yield http

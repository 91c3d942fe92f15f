"""bootstrap(settings) gives the gateway process's App: one in-process server, or the
supervisor of several workers."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_fakes import FakeAuthenticator, FakePublisher

from quanhub.common.clock import FixedClock
from quanhub.common.service import ServedApi
from quanhub.gateway.bootstrap import bootstrap
from quanhub.gateway.inbound.channels import NoPushChannels
from quanhub.gateway.settings import GatewaySettings
from quanhub.gateway.workers import Supervisor


async def test_one_worker_is_served_in_process_with_the_overrides_and_the_raised_body_bound(
    settings: GatewaySettings, publisher: FakePublisher, clock: FixedClock
) -> None:
    authenticator = FakeAuthenticator()
    app = bootstrap(settings, clock=clock, publisher=publisher, authenticator=authenticator)
    assert isinstance(app, ServedApi)
    asgi: Any = app.app
    async with asgi.router.lifespan_context(asgi):
        context = asgi.state.context
        assert (context.publisher, context.clock) == (publisher, clock)
        assert context.authenticator is authenticator
    assert app.server.config.port == settings.port
    # The HTTP layer lets the gateway's own body limit through, so the route names the refusal.
    assert app.server.config.http.max_body_bytes == settings.server().max_body_bytes  # type: ignore[union-attr]


def test_several_workers_are_supervised_and_take_no_overrides(
    publisher: FakePublisher,
) -> None:
    settings = GatewaySettings(workers=2)
    assert isinstance(bootstrap(settings), Supervisor)
    with pytest.raises(ValueError, match="WORKERS=1"):
        bootstrap(settings, publisher=publisher)


async def test_push_channels_are_part_of_the_context(
    settings: GatewaySettings, publisher: FakePublisher
) -> None:
    channels = NoPushChannels()
    app = bootstrap(
        settings, publisher=publisher, authenticator=FakeAuthenticator(), push_channels=channels
    )
    assert isinstance(app, ServedApi)
    asgi: Any = app.app
    async with asgi.router.lifespan_context(asgi):
        assert asgi.state.context.push_channels is channels

"""The gateway process's composition root: bootstrap(settings) -> App, one server or workers."""

from __future__ import annotations

from quanhub.common.access import KeyAuthenticator
from quanhub.common.access.push import PushChannels
from quanhub.common.clock import Clock
from quanhub.common.service import App, ServedApi
from quanhub.gateway.app import create_app
from quanhub.gateway.publisher import Publisher
from quanhub.gateway.settings import GatewaySettings
from quanhub.gateway.workers import Supervisor


def bootstrap(
    settings: GatewaySettings,
    *,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    authenticator: KeyAuthenticator | None = None,
    push_channels: PushChannels | None = None,
) -> App:
    """The gateway served by this process (`create_app`, wired with the overrides), or, with
    QUANHUB_GATEWAY_WORKERS above 1, the supervisor of that many worker processes, each of
    which wires its own app from the environment (overrides cannot cross into them)."""
    if settings.workers == 1:
        app = create_app(
            settings,
            clock=clock,
            publisher=publisher,
            authenticator=authenticator,
            push_channels=push_channels,
        )
        return ServedApi(app, settings.host, settings.port, settings.server())
    if any(o is not None for o in (clock, publisher, authenticator, push_channels)):
        msg = "overrides reach one in-process gateway only (QUANHUB_GATEWAY_WORKERS=1)"
        raise ValueError(msg)
    return Supervisor(settings)

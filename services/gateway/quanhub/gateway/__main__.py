"""`python -m quanhub.gateway`: serve the gateway with uvicorn on QUANHUB_GATEWAY_PORT.

With QUANHUB_GATEWAY_WORKERS above 1 this process supervises that many workers on the port
(quanhub.gateway.workers), and /metrics sums them all through prometheus_client's
multiprocess mode.
"""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.server import serve_api
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings
from quanhub.gateway.workers import run_workers


def main() -> None:
    """Read settings from the environment, configure logging once, and serve."""
    settings = GatewaySettings()
    configure_logging(settings.log_level, json=settings.log_json)
    if settings.workers == 1:
        serve_api(create_app(settings), settings.host, settings.port, settings.server())
    else:
        run_workers(settings)


if __name__ == "__main__":
    main()

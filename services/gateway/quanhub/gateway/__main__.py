"""`python -m quanhub.gateway`: serve the gateway with uvicorn on QUANHUB_GATEWAY_PORT."""

from __future__ import annotations

from quanhub.common.http import serve_api
from quanhub.common.logging import configure_logging
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings


def main() -> None:
    """Read settings from the environment, configure logging once, and serve."""
    settings = GatewaySettings()
    configure_logging(settings.log_level, json=settings.log_json)
    serve_api(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()

"""`python -m quanhub.gateway`: serve the gateway with uvicorn on QUANHUB_GATEWAY_PORT.

With QUANHUB_GATEWAY_WORKERS above 1 this process supervises that many workers on the port
(quanhub.gateway.workers), and /metrics sums them all through prometheus_client's
multiprocess mode.
"""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.service import run_app
from quanhub.gateway.bootstrap import bootstrap
from quanhub.gateway.settings import GatewaySettings


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = GatewaySettings()
    configure_logging(settings.log_level, json=settings.log_json)
    run_app(bootstrap, settings)


if __name__ == "__main__":
    main()

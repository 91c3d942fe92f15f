"""`python -m quanhub.gateway`: serve the gateway with uvicorn on QUANHUB_GATEWAY_PORT.

With QUANHUB_GATEWAY_WORKERS above 1 this process supervises that many workers on the port
(quanhub.gateway.workers), and /metrics sums them all through prometheus_client's
multiprocess mode.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from quanhub.common.http import MULTIPROCESS_METRICS_ENV, serve_api
from quanhub.common.logging import configure_logging
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings
from quanhub.gateway.workers import run_workers


def main() -> None:
    """Read settings from the environment, configure logging once, and serve."""
    settings = GatewaySettings()
    configure_logging(settings.log_level, json=settings.log_json)
    if settings.workers == 1:
        serve_api(create_app(settings), settings.host, settings.port)
        return
    # Workers are spawned after this and read the variable when they import prometheus_client.
    own_dir = MULTIPROCESS_METRICS_ENV not in os.environ
    if own_dir:
        os.environ[MULTIPROCESS_METRICS_ENV] = tempfile.mkdtemp(prefix="quanhub-gateway-metrics-")
    try:
        run_workers(settings)
    finally:
        if own_dir:
            shutil.rmtree(os.environ.pop(MULTIPROCESS_METRICS_ENV), ignore_errors=True)


if __name__ == "__main__":
    main()

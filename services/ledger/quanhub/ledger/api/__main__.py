"""`python -m quanhub.ledger.api`: serve the query API with uvicorn on QUANHUB_LEDGER_API_PORT."""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.server import HttpServerSettings, serve_api
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and serve."""
    settings = LedgerApiSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    # QUANHUB_HTTP_*: the read deadlines and in-flight bound, as the gateway has them.
    serve_api(create_app(settings), settings.host, settings.port, HttpServerSettings())


if __name__ == "__main__":
    main()

"""`python -m quanhub.ledger.api`: serve the query API with uvicorn on QUANHUB_LEDGER_API_PORT."""

from __future__ import annotations

import uvicorn

from quanhub.common.logging import configure_logging
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and serve."""
    settings = LedgerApiSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()

"""`python -m quanhub.ledger.api`: serve the query API with uvicorn on QUANHUB_LEDGER_API_PORT."""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.service import run_app
from quanhub.ledger.api.bootstrap import bootstrap
from quanhub.ledger.settings import LedgerApiSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and serve."""
    settings = LedgerApiSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    run_app(bootstrap, settings)


if __name__ == "__main__":
    main()

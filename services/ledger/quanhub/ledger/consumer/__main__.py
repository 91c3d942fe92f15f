"""`python -m quanhub.ledger.consumer`: the ledger consumer with its ops server on 8083."""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.service import run_app
from quanhub.ledger.consumer.bootstrap import bootstrap
from quanhub.ledger.settings import LedgerConsumerSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = LedgerConsumerSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    run_app(bootstrap, settings)


if __name__ == "__main__":
    main()

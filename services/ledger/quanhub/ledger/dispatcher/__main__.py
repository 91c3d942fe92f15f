"""`python -m quanhub.ledger.dispatcher`: run the webhook dispatcher worker (ops on 8084)."""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.service import run_app
from quanhub.ledger.dispatcher.bootstrap import bootstrap
from quanhub.ledger.dispatcher.settings import DispatcherSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = DispatcherSettings()
    configure_logging(settings.log_level)
    run_app(bootstrap, settings)


if __name__ == "__main__":
    main()

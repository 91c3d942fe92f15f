"""`python -m quanhub.ledger.watcher`: run the insight watcher (ops on 8085)."""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.service import run_app
from quanhub.ledger.watcher.bootstrap import bootstrap
from quanhub.ledger.watcher.settings import WatcherSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = WatcherSettings()
    configure_logging(settings.log_level)
    run_app(bootstrap, settings)


if __name__ == "__main__":
    main()

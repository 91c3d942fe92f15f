"""`python -m quanhub.normalizer`: run the normalizer with its ops server on port 8082."""

from __future__ import annotations

import asyncio

from quanhub.common.logging import configure_logging
from quanhub.normalizer.bootstrap import bootstrap
from quanhub.normalizer.settings import NormalizerSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = NormalizerSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    asyncio.run(bootstrap(settings).run())


if __name__ == "__main__":
    main()

"""`python -m quanhub.normalizer`: run the normalizer with its ops server on port 8082."""

from __future__ import annotations

from quanhub.common.logging import configure_logging
from quanhub.common.service import run_app
from quanhub.normalizer.bootstrap import bootstrap
from quanhub.normalizer.errors import OutputTopicTooSmall
from quanhub.normalizer.settings import NormalizerSettings


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = NormalizerSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    try:
        run_app(bootstrap, settings)
    except OutputTopicTooSmall as exc:  # configuration: say what to change, no traceback
        raise SystemExit(f"quanhub normalizer: {exc.message}") from None


if __name__ == "__main__":
    main()

"""Partner API keys for a run: from a file, the environment, or the local demo registry."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import orjson

from quanhub.common.errors import ConfigurationError


def parse_keys(text: str) -> dict[str, str]:
    """`{"SF": "key", ...}`, or `CODE=key` pairs separated by commas or new lines."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            msg = f"partner keys are not valid JSON: {exc}"
            raise ConfigurationError(msg) from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            msg = "partner keys must be a JSON object of partner code to key"
            raise ConfigurationError(msg)
        return {k.strip(): v.strip() for k, v in data.items()}
    keys: dict[str, str] = {}
    for raw in text.replace(",", "\n").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, sep, key = line.partition("=")
        if not sep or not code.strip() or not key.strip():
            msg = f"partner keys: expected CODE=key, got {line.split('=')[0]!r}=..."
            raise ConfigurationError(msg)
        keys[code.strip()] = key.strip()
    return keys


def load_keys(path: Path) -> dict[str, str]:
    """Keys from a file (JSON object or CODE=key lines)."""
    try:
        return parse_keys(path.read_text("utf-8"))
    except OSError as exc:
        msg = f"cannot read partner keys from {path}: {exc.strerror}"
        raise ConfigurationError(msg) from None


def demo_keys() -> dict[str, str]:
    """The local stack's demo partner keys (local profile only; derived, no database)."""
    from quanhub.common.access.demo import DEMO_PARTNERS, demo_key
    from quanhub.common.settings import PiiSettings, Profile

    pii = PiiSettings()
    if pii.profile is not Profile.LOCAL:
        msg = "demo keys exist only in the local profile; pass --keys"
        raise ConfigurationError(msg)
    return {partner.code: demo_key(pii, partner.code)[1] for partner in DEMO_PARTNERS}


def missing_keys(keys: dict[str, str], partners: Iterable[str]) -> list[str]:
    """The partners of a run that have no key."""
    return sorted(set(partners) - set(keys))

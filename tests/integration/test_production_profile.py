"""The production profile at the process level: entry points holding a secret refuse to
start with a placeholder, before they connect to anything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from quanhub.common.settings import LOCAL_PII_SECRET

pytestmark = pytest.mark.integration

#: Entry points whose settings hold a secret (tests/unit/test_production_secrets.py keeps
#: this list honest).
HOLD_SECRETS = ("quanhub.gateway", "quanhub.normalizer")


def _production_env(secret: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANHUB_")}
    env.update({
        "QUANHUB_PROFILE": "production",
        # Nothing here answers: a refusal must come before any connection is tried.
        "QUANHUB_KAFKA_BOOTSTRAP": "127.0.0.1:1",
        "QUANHUB_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "QUANHUB_GATEWAY_PORT": "1",
        "QUANHUB_NORMALIZER_PORT": "1",
    })  # fmt: skip
    if secret is not None:
        env["QUANHUB_PII_SECRET"] = secret
    return env


@pytest.mark.parametrize("module", HOLD_SECRETS)
@pytest.mark.parametrize("secret", [None, LOCAL_PII_SECRET], ids=["unset", "placeholder"])
def test_entry_point_refuses_to_start_in_production_with_a_placeholder(
    module: str, secret: str | None
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module],
        env=_production_env(secret),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stderr + result.stdout
    assert result.returncode != 0, output
    assert "QUANHUB_PII_SECRET" in output
    assert "connection" not in output.lower(), output

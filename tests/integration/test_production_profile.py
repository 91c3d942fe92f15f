"""The production profile: entry points holding a secret refuse to start with a placeholder,
before they connect to anything; the public APIs keep /metrics for operators."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from quanhub.common.errors import ConfigurationError
from quanhub.common.metrics_access import MetricsSettings
from quanhub.common.settings import (
    LOCAL_PII_SECRET,
    DatabaseSettings,
    KafkaSettings,
    PiiSettings,
    Profile,
)
from quanhub.gateway.app import create_app as create_gateway
from quanhub.gateway.settings import GatewaySettings
from quanhub.ledger.api.app import create_app as create_ledger_api
from quanhub.ledger.settings import LedgerApiSettings

pytestmark = pytest.mark.integration

#: Entry points whose settings hold a secret (tests/unit/common/test_production_secrets.py keeps
#: this list honest).
HOLD_SECRETS = ("quanhub.gateway", "quanhub.normalizer")


def _production_env(secret: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANHUB_")}
    env.update(
        {
            "QUANHUB_PROFILE": "production",
            # Nothing here answers: a refusal must come before any connection is tried.
            "QUANHUB_KAFKA_BOOTSTRAP": "127.0.0.1:1",
            "QUANHUB_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "QUANHUB_GATEWAY_PORT": "1",
            "QUANHUB_NORMALIZER_PORT": "1",
        }
    )
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


# /metrics on the public API ports names partners and their volumes: operators only.

TOKEN = "metrics-token-for-operators-" + "x" * 16
SECRET = "production-pii-secret-" + "y" * 20


def _ledger_api(profile: Profile, database: DatabaseSettings, token: str | None) -> FastAPI:
    return create_ledger_api(
        LedgerApiSettings(
            profile=profile,
            database=database,
            migrate_on_start=False,
            metrics=MetricsSettings(token=token),
        )
    )


def _gateway(
    profile: Profile, database: DatabaseSettings, kafka: KafkaSettings, token: str | None
) -> FastAPI:
    return create_gateway(
        GatewaySettings(
            profile=profile,
            database=database,
            kafka=kafka,
            migrate_on_start=False,
            pii=PiiSettings(secret=SECRET, profile=profile),
            metrics=MetricsSettings(token=token),
        )
    )


@pytest.fixture(params=["ledger_api", "gateway"])
def make_api(
    request: pytest.FixtureRequest,
    database_settings: DatabaseSettings,
    kafka_settings: KafkaSettings,
) -> Callable[[Profile, str | None], FastAPI]:
    """Builds the public API under test (either one) for a profile and metrics token."""
    if request.param == "ledger_api":
        return lambda profile, token: _ledger_api(profile, database_settings, token)
    return lambda profile, token: _gateway(profile, database_settings, kafka_settings, token)


async def _metrics(app: FastAPI, authorization: str | None = None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as c,
    ):
        assert (await c.get("/healthz")).status_code == 200
        return await c.get("/metrics", headers=headers)


async def test_production_hides_metrics_without_an_operator_token(
    make_api: Callable[[Profile, str | None], FastAPI],
) -> None:
    response = await _metrics(make_api(Profile.PRODUCTION, None))
    assert response.status_code == 404, response.text
    assert "quanhub_" not in response.text


async def test_production_metrics_need_the_operator_token(
    make_api: Callable[[Profile, str | None], FastAPI],
) -> None:
    app = make_api(Profile.PRODUCTION, TOKEN)
    for authorization in (None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"):
        refused = await _metrics(app, authorization)
        assert refused.status_code == 401, (authorization, refused.text)
        assert "quanhub_" not in refused.text
    allowed = await _metrics(app, f"Bearer {TOKEN}")
    assert allowed.status_code == 200
    assert "quanhub_" in allowed.text


async def test_local_profile_keeps_open_metrics(
    make_api: Callable[[Profile, str | None], FastAPI],
) -> None:
    response = await _metrics(make_api(Profile.LOCAL, None))
    assert response.status_code == 200
    assert "quanhub_" in response.text


def test_a_short_metrics_token_is_refused(database_settings: DatabaseSettings) -> None:
    with pytest.raises(ConfigurationError, match="QUANHUB_METRICS_TOKEN"):
        _ledger_api(Profile.PRODUCTION, database_settings, "short")

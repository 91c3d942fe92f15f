"""Who may read /metrics on a public API port (the gateway's, the ledger API's).

Their metrics name partners and their volumes, so outside the local profile they are for
operators only: with QUANHUB_METRICS_TOKEN set, /metrics asks for `Authorization: Bearer
<token>` (401 otherwise); without a token it answers 404, as if there were no such path.
The local profile keeps the development convenience (open) unless a token is set; a set
token must be 32+ characters in any profile. The
workers (normalizer, ledger consumer, dispatcher) serve /metrics on their ops port only and
need none of this.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Receive, Scope, Send

from quanhub.common.errors import ConfigurationError
from quanhub.common.http import problem_response
from quanhub.common.settings import Profile

METRICS_PATH = "/metrics"
#: Shortest token accepted outside the local profile (it guards partners' volumes).
MIN_TOKEN_CHARS = 32


class MetricsSettings(BaseSettings):
    """QUANHUB_METRICS_*: the operators' token for /metrics on the public API ports."""

    model_config = SettingsConfigDict(env_prefix="QUANHUB_METRICS_", extra="ignore")

    token: SecretStr | None = None


def guard_metrics(app: FastAPI, settings: MetricsSettings, profile: Profile) -> None:
    """Keep the app's /metrics for operators (nothing to do in the local profile without a
    token); ConfigurationError for a token too short to guard anything."""
    token = settings.token
    if token is None and profile is Profile.LOCAL:
        return
    if token is not None and len(token.get_secret_value()) < MIN_TOKEN_CHARS:
        msg = f"QUANHUB_METRICS_TOKEN must be a random value of {MIN_TOKEN_CHARS}+ characters"
        raise ConfigurationError(msg)
    app.add_middleware(_MetricsGuard, token=token)


class _MetricsGuard:
    """Plain ASGI: answers /metrics itself unless the request carries the token; every
    other path passes untouched."""

    def __init__(self, app: ASGIApp, token: SecretStr | None) -> None:
        self.app = app
        self.expected = None if token is None else f"Bearer {token.get_secret_value()}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != METRICS_PATH or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if self.expected is None:
            response = problem_response(404, "not_found", "Not Found", instance=METRICS_PATH)
        else:
            response = problem_response(
                401,
                "unauthenticated",
                "/metrics is for operators: send the metrics token",
                instance=METRICS_PATH,
                headers={"WWW-Authenticate": "Bearer"},
            )
        await response(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        if self.expected is None:
            return False
        given = dict(scope["headers"]).get(b"authorization", b"")
        return hmac.compare_digest(given, self.expected)

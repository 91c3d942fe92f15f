"""The query API process's composition root: bootstrap(settings) -> App serving create_app."""

from __future__ import annotations

from quanhub.common.access import KeyAuthenticator
from quanhub.common.clock import Clock
from quanhub.common.server import HttpServerSettings
from quanhub.common.service import ServedApi
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings


def bootstrap(
    settings: LedgerApiSettings,
    *,
    clock: Clock | None = None,
    authenticator: KeyAuthenticator | None = None,
    http: HttpServerSettings | None = None,
) -> ServedApi:
    """The ledger API on QUANHUB_LEDGER_API_HOST/_PORT, within the QUANHUB_HTTP_* bounds
    (read deadlines and in-flight bound, as the gateway has them)."""
    app = create_app(settings, clock=clock, authenticator=authenticator)
    return ServedApi(app, settings.host, settings.port, http or HttpServerSettings())

"""Building an in-process gateway on the session's Kafka namespace and database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings


def gateway_settings(
    kafka: KafkaSettings, database: DatabaseSettings, **overrides: object
) -> GatewaySettings:
    """Settings for an in-process gateway on the session's Kafka namespace and database."""
    options: dict[str, object] = {
        "kafka": kafka,
        "database": database,
        "auth_cache_seconds": 0,
        "publish_timeout_seconds": 10,
        "migrate_on_start": False,
    }
    options.update(overrides)
    return GatewaySettings.model_validate(options)


async def serve(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield an HTTP client bound to it."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c,
    ):
        yield c

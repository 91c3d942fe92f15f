"""Demo keys stop at the local profile, even in a database that was once used locally.

The demo partners' keys (ADMIN among them) may derive from the public placeholder secret,
so anyone with the source could compute them; they are marked as demo keys and a service
outside the local profile refuses them (401). Found by the chaos and hostile-input work.
"""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from quanhub.common.access.demo import ensure_demo_partners
from quanhub.common.settings import DatabaseSettings, PiiSettings, Profile
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings

pytestmark = pytest.mark.integration


async def test_demo_admin_key_is_refused_in_production(
    database_settings: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database was used locally once: demo partners with their derived keys exist.
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=2)
    try:
        keys = await ensure_demo_partners(pool, PiiSettings(profile=Profile.LOCAL))
    finally:
        await pool.close()
    monkeypatch.setenv("QUANHUB_PROFILE", "production")
    monkeypatch.setenv("QUANHUB_PII_SECRET", "p" * 48)
    app = create_app(LedgerApiSettings(database=database_settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as api,
    ):
        response = await api.get("/v1/kpis", headers={"Authorization": f"Bearer {keys['ADMIN']}"})
    assert response.status_code == 401, "a demo key derived from the public placeholder works"

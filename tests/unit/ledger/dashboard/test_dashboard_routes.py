"""/dashboard and its assets: served from the package, same-origin only, no data inside."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from quanhub.ledger.dashboard.routes import router


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def test_the_page_and_its_assets_are_served_with_a_strict_policy() -> None:
    async with _client() as client:
        page = await client.get("/dashboard")
        script = await client.get("/dashboard/dashboard.js")
        style = await client.get("/dashboard/dashboard.css")
    assert page.status_code == script.status_code == style.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<script src="/dashboard/dashboard.js"' in page.text
    assert "<script>" not in page.text  # no inline code: the policy forbids it
    assert "/v1/kpis" in script.text
    assert "sessionStorage" in script.text


async def test_nothing_else_is_served_under_dashboard() -> None:
    async with _client() as client:
        assert (await client.get("/dashboard/../settings.py")).status_code == 404
        assert (await client.get("/dashboard/routes.py")).status_code == 404

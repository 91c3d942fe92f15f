"""GET /dashboard and its two assets, served from the package (no build step, no CDN).

The page holds no data and no key: it asks the analyst for an API key (kept in the tab's
sessionStorage, or passed once in the URL fragment, which never reaches a server) and draws
GET /v1/kpis with it, so the same access rules apply as to the API itself.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(tags=["dashboard"])

_ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
_HEADERS = {
    # Same-origin scripts and styles only: the page runs no inline code and loads nothing else.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@cache
def _asset(name: str) -> bytes:
    return resources.files("quanhub.ledger.dashboard").joinpath("static", name).read_bytes()


def _serve(name: str) -> Response:
    return Response(_asset(name), media_type=_ASSETS[name], headers=_HEADERS)


@router.get("/dashboard", include_in_schema=False)
async def dashboard() -> Response:
    """The city dashboard: the plan's indicators against its targets, refreshed every 30 s."""
    return _serve("index.html")


@router.get("/dashboard/dashboard.js", include_in_schema=False)
async def dashboard_script() -> Response:
    """The dashboard's script (draws the charts from GET /v1/kpis)."""
    return _serve("dashboard.js")


@router.get("/dashboard/dashboard.css", include_in_schema=False)
async def dashboard_style() -> Response:
    """The dashboard's style sheet."""
    return _serve("dashboard.css")

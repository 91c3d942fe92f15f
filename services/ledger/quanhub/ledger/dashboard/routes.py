"""GET /dashboard and its assets, served from the package (no build step, no CDN).

The page holds no data and no key: it asks the analyst for an API key (kept in the tab's
sessionStorage, or passed once in the URL fragment, which never reaches a server) and draws
GET /v1/kpis with it, so the same access rules apply as to the API itself. The names it
prints for carriers and districts come from the hub's own tables (reference.json), so the
page and the API never disagree on what a code means.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from quanhub.common.carriers import CARRIERS
from quanhub.common.districts import JINAN_DISTRICTS
from quanhub.ledger.kpis.percentiles import MIN_SAMPLE

router = APIRouter(tags=["dashboard"])

_ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "text.js": "text/javascript; charset=utf-8",
    "marks.js": "text/javascript; charset=utf-8",
    "sections.js": "text/javascript; charset=utf-8",
    "decisions.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "messages.json": "application/json",
    "icon.svg": "image/svg+xml",
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


@router.get("/dashboard/{name}", include_in_schema=False)
async def dashboard_asset(name: str) -> Response:
    """The page's scripts, style sheet and message table (Chinese and English)."""
    if name == "reference.json":
        return Response(_reference(), media_type="application/json", headers=_HEADERS)
    if name not in _ASSETS or name == "index.html":
        return Response(status_code=404, headers=_HEADERS)
    return _serve(name)


@cache
def _reference() -> bytes:
    """Carrier and district names in both languages, and the minimum sample (the page's
    rule for a figure that does not carry the API's own `sufficient`)."""
    return json.dumps(
        {
            "min_sample": MIN_SAMPLE,
            "carriers": {c.id: {"zh": c.name_zh, "en": c.name_en} for c in CARRIERS.values()},
            "districts": [
                {"code": d.code, "zh": d.name_zh, "en": d.name_en} for d in JINAN_DISTRICTS.values()
            ],
        },
        ensure_ascii=False,
    ).encode()

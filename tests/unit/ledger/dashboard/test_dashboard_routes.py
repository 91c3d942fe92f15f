"""/dashboard and its assets: served from the package, same-origin only, no data inside."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from quanhub.common.carriers import CARRIERS
from quanhub.common.districts import JINAN_DISTRICTS
from quanhub.ledger.dashboard.routes import MIN_SAMPLE, router

_SCRIPTS = ("dashboard", "sections", "decisions", "marks", "text", "charts")


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def test_the_page_and_its_assets_are_served_with_a_strict_policy() -> None:
    async with _client() as client:
        page = await client.get("/dashboard")
        script = await client.get("/dashboard/dashboard.js")
        style = await client.get("/dashboard/dashboard.css")
        icon = await client.get("/dashboard/icon.svg")
    assert page.status_code == script.status_code == style.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    assert icon.headers["content-type"] == "image/svg+xml"  # no request for /favicon.ico
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<script type="module" src="/dashboard/dashboard.js"' in page.text
    assert '<html lang="zh-CN">' in page.text
    assert "<script>" not in page.text  # no inline code: the policy forbids it
    assert "/v1/kpis" in script.text
    assert "sessionStorage" in script.text


async def test_nothing_else_is_served_under_dashboard() -> None:
    async with _client() as client:
        assert (await client.get("/dashboard/../settings.py")).status_code == 404
        assert (await client.get("/dashboard/routes.py")).status_code == 404
        assert (await client.get("/dashboard/index.html")).status_code == 404


async def test_every_message_the_page_uses_is_in_the_table_in_both_languages() -> None:
    async with _client() as client:
        answer = await client.get("/dashboard/messages.json")
        scripts = [await client.get(f"/dashboard/{name}.js") for name in _SCRIPTS]
        page = (await client.get("/dashboard")).text
    assert all(s.status_code == 200 for s in scripts)
    script = "\n".join(s.text for s in scripts)
    assert answer.status_code == 200
    messages = answer.json()
    assert all(set(text) == {"zh", "en"} for text in messages.values())
    used = {
        *re.findall(r'\bt\("(\w+)"(?! \+)', script),
        *re.findall(r'msg: "(\w+)"', script),
        *re.findall(r'fill\(el\([^)]*\), "(\w+)"', script),
        *re.findall(r'data-msg="(\w+)"', page),
        *re.findall(r'"(col_\w+)"', script),  # a table's column headings
        # Names the script chooses or builds: a verdict, "stat_" + field, "csv_" + column.
        "met",
        "missed",
        *(f"stat_{s}" for s in ("mean", "p50", "p90")),
        *(f"csv_{c}" for c in re.findall(r'"(\w+)"', script.split("const columns = [")[1][:120])),
    }
    assert {"too_little", "no_data", "col_on_time_48", "csv_sufficient", "title"} <= used
    assert sorted(used - set(messages)) == []
    # Trade modes and alert kinds: looked up by the API's code.
    assert sorted(set(messages) - used - {"trade_mode", "alert_kind"}) == []


async def test_the_names_come_from_the_hubs_own_tables() -> None:
    async with _client() as client:
        answer = await client.get("/dashboard/reference.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    reference = answer.json()
    assert reference["min_sample"] == MIN_SAMPLE
    assert [d["code"] for d in reference["districts"]] == list(JINAN_DISTRICTS)
    assert reference["districts"][0] == {"code": "370102", "zh": "历下区", "en": "Lixia District"}
    assert reference["carriers"]["YTO"] == {"zh": CARRIERS["YTO"].name_zh, "en": "YTO Express"}

"""The dashboard in a real headless Chromium: every number it renders equals GET /v1/kpis.

Simulated traffic for a period of its own goes through every service; Chromium (Debian's
`chromium`) loads /dashboard for that period with an analyst key, and the rendered DOM is
checked number by number against the API. A screenshot is kept as a test artifact in
test-artifacts/dashboard.png.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from quanhub.simulator.batches import batches
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.sender import Sender, SendOptions
from quanhub.simulator.summary import summarize
from quanhub.simulator.verify import await_kpis
from quanhub.stack.servicegroup import RunningServices

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
_LIST_KEYS = {
    "carriers": "carrier_id",
    "by_trade_mode": "trade_mode",
    "top_reasons": "reason",
    "buckets": "lower_hours",
}
_SEGMENT = re.compile(r"([a-z_0-9]+)(?:\[([^\]]*)\])?")


class _Marks(HTMLParser):
    """Collects (data-kpi, data-value, text) of every marked element, and the body state."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[tuple[str, str]] = []
        self.state = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "body":
            self.state = found.get("data-state") or ""
        if found.get("data-kpi") is not None:
            self.marks.append((found["data-kpi"] or "", found.get("data-value") or ""))


def _resolve(report: Any, path: str) -> Any:
    node = report
    for name, key in _SEGMENT.findall(path):
        node = node[name]
        if key:
            field = _LIST_KEYS[name]
            node = next(item for item in node if str(item[field]) == key)
    return node


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)", pytrace=False)
    command = [
        binary,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--virtual-time-budget=30000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


async def test_dashboard_renders_the_apis_numbers(services: RunningServices) -> None:
    keys = services.demo_keys
    config = SimulationConfig(
        orders=500,
        seed=21,
        cross_border_share=0.3,
        days=5,
        start=datetime.fromisoformat("2026-08-01T00:00:00+08:00"),
        carriers=frozenset({"SF", "ZTO", "YTO", "STO", "YUNDA", "EMS"}),
    )
    simulation = generate(config)
    truth = summarize(simulation)
    async with httpx.AsyncClient(timeout=30) as client:
        options = SendOptions(gateway_url=services.gateway_url)
        tally = await Sender(client, keys, options).run(batches(simulation.encoded(), 500))
    assert tally.failed_batches == 0
    headers = {"Authorization": f"Bearer {keys['JNCOMMERCE']}"}
    async with httpx.AsyncClient(base_url=services.ledger_url, headers=headers, timeout=30) as c:
        # The pipeline holds the run once the hub's indicators equal the ground truth.
        assert await await_kpis(c, truth["kpis"], patience=180) == []
        period = truth["kpis"]["period"]
        params = {"from": period["from_date"], "to": period["to_date"]}
        report = (await c.get("/v1/kpis", params=params)).json()

    url = (
        f"{services.ledger_url}/dashboard#key={keys['JNCOMMERCE']}"
        f"&from={period['from_date']}&to={period['to_date']}"
    )
    dom = _chromium("--dump-dom", url)
    marks = _Marks()
    marks.feed(dom.stdout)
    assert marks.state == "ready", (dom.stdout[-2000:], dom.stderr[-2000:])
    assert len(marks.marks) >= 50
    wrong = [
        (path, raw, _resolve(report, path))
        for path, raw in marks.marks
        if json.loads(raw) != _resolve(report, path)
    ]
    assert wrong == []
    shown = {path for path, _ in marks.marks}
    for path in (
        "e_waybill_share.share",
        "smart_locker_share.share",
        "recyclable_bag_share.share",
        "customs_rejection.rate.share",
        "pickup_to_delivery.overall.p90_hours",
    ):
        assert path in shown, path

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    screenshot.unlink(missing_ok=True)
    shot = _chromium(f"--screenshot={screenshot}", "--window-size=1400,1500", url)
    assert screenshot.exists(), shot.stderr[-2000:]
    assert screenshot.stat().st_size > 20_000

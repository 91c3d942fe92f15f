"""The dashboard in a real headless Chromium, checked against GET /v1/kpis.

Simulated traffic for a period of its own goes through every service; Chromium (Debian's
`chromium`, driven over the DevTools protocol: tests/e2e/headless.py) loads /dashboard
with an analyst key and is used as an official would: it opens in Chinese, switches to
English, picks a district and a period, sorts the district table, exports CSV and JSON.
After each step every rendered number (data-kpi, data-value) must equal the API's answer
for what the page says it shows, a figure whose sample is below the minimum must say so
instead of a share, and the exports must hold exactly the figures on screen.

The Chinese page is kept as test-artifacts/dashboard.png (and the English one as
dashboard-en.png); with QUANHUB_DASHBOARD_SCREENSHOT set to a path (docs/images/dashboard.png
for the docs) the Chinese one is written there too.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from headless import Chromium, Page, wait_for_file

from quanhub.common.carriers import CARRIERS
from quanhub.common.districts import JINAN_DISTRICTS
from quanhub.ledger.dashboard.routes import MIN_SAMPLE
from quanhub.simulator.batches import batches
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.sender import Sender, SendOptions
from quanhub.simulator.summary import summarize
from quanhub.simulator.verify import await_kpis
from quanhub.stack.servicegroup import RunningServices

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: How the page names an item of a list in a path: its fields, joined by "|".
_LIST_KEYS = {
    "carriers": ("carrier_id",),
    "by_trade_mode": ("trade_mode",),
    "top_reasons": ("reason",),
    "buckets": ("lower_hours",),
    "counts": ("carrier", "district", "kind"),
    "items": ("key",),
    "incidents": ("carrier", "district", "start"),
}
#: Answers beside /v1/kpis a page path starts with.
_PREFIXES = ("edd_accuracy", "alerts", "incidents")
_SEGMENT = re.compile(r"([a-z_0-9]+)(?:\[([^\]]*)\])?")
_IN_DISTRICT = re.compile(r"districts\[(\d+)\]\.(.*)")
_MARKS = """[...document.querySelectorAll('[data-kpi]')].map((n) => ({kpi: n.dataset.kpi,
  value: JSON.parse(n.dataset.value), derived: n.dataset.derived || null,
  sufficient: n.dataset.sufficient !== 'false', text: n.textContent}))"""
_TOO_LITTLE = {"zh": "样本不足", "en": "too little data"}
#: Fields that are read as measures, so the page must judge their sample as the API does.
_JUDGED = {
    *("share", "meets_target", "rate", "mean_hours", "p50_hours", "p90_hours", "p99_hours"),
    *("delivered_by_latest", "mae_hours", "baseline_mae_hours", "mae_ratio"),
}


class Answers:
    """The API's answers for one view (period and district): GET /v1/kpis and GET
    /v1/kpis/delivery-times for it, and for the district table each district's /v1/kpis
    and the delivery times grouped by district; GET /v1/edd/accuracy, /v1/alerts (at the
    ledger's clock) and /v1/incidents (the period's CST days) for the decision sections."""

    def __init__(
        self,
        kpis: dict[str, Any],
        times: dict[str, Any],
        districts: dict[str, dict[str, Any]],
        district_times: dict[str, Any],
        decisions: dict[str, dict[str, Any]],
    ) -> None:
        self.kpis = kpis
        self.times = times
        self.districts = districts
        self.district_times = district_times
        self.decisions = decisions

    @classmethod
    async def fetch(cls, api: httpx.AsyncClient, start: str, end: str, district: str) -> Answers:
        async def one(route: str, **params: str) -> dict[str, Any]:
            query = {"from": start, "to": end} | {k: v for k, v in params.items() if v}
            answer = await api.get(route, params=query)
            assert answer.status_code == 200, answer.text
            report: dict[str, Any] = answer.json()
            return report

        codes = list(JINAN_DISTRICTS)
        last = date.fromisoformat(end) + timedelta(days=1)
        first = max(date.fromisoformat(start), last - timedelta(days=31))
        window = {"from": f"{first}T00:00:00+08:00", "to": f"{last}T00:00:00+08:00"}
        kpis, times, district_times, accuracy, alerts, incidents, *reports = await asyncio.gather(
            one("/v1/kpis", district=district),
            one("/v1/kpis/delivery-times", district=district),
            one("/v1/kpis/delivery-times", group_by="district"),
            one("/v1/edd/accuracy", district=district),
            api.get("/v1/alerts", params={"district": district} if district else {}),
            api.get("/v1/incidents", params=window | ({"district": district} if district else {})),
            *(one("/v1/kpis", district=code) for code in codes),
        )
        assert alerts.status_code == incidents.status_code == 200, (alerts.text, incidents.text)
        decisions = {
            "edd_accuracy": accuracy,
            "alerts": alerts.json(),
            "incidents": incidents.json(),
        }
        districts = dict(zip(codes, reports, strict=True))
        return cls(kpis, times, districts, district_times, decisions)

    def _figure(self, kpi: str) -> tuple[Any, str]:
        """The answer a page path reads from, and the path inside it."""
        found = _IN_DISTRICT.fullmatch(kpi)
        if found is None:
            name, _, rest = kpi.partition(".")
            if name in _PREFIXES:
                return self.decisions[name], rest
            if kpi.startswith("delivery_times."):
                return self.times, kpi.removeprefix("delivery_times.")
            return self.kpis, kpi
        code, path = found[1], found[2]
        if path.startswith("delivery_times."):
            groups = self.district_times["groups"]
            measures = next((g["measures"] for g in groups if g["district_code"] == code), None)
            return measures, path.removeprefix("delivery_times.")
        return self.districts[code], path

    def expected(self, kpi: str, derived: str | None) -> Any:
        """What the API says a mark (or an export row) must show."""
        answer, path = self._figure(kpi)
        if answer is None:  # a district without deliveries has no group
            return None
        if derived is not None and answer is self.decisions.get("alerts"):
            return sum(c["alerts"] for c in answer["counts"] if c["kind"] == derived)
        node = _resolve(answer, path)
        if derived == "parcels":
            return sum(c["parcels"] for c in node["carriers"])
        if derived == "count":
            return len(node)
        return node

    def sufficient(self, kpi: str) -> bool | None:
        """The API's verdict on the sample of the figure behind a mark (None: not judged)."""
        answer, path = self._figure(kpi)
        figure_path, _, field = path.rpartition(".")
        if answer is None or field not in _JUDGED:
            return None
        figure = _resolve(answer, figure_path)
        return bool(figure["sufficient"]) if figure["sample"] else None


def _resolve(report: Any, path: str) -> Any:
    node = report
    for name, key in _SEGMENT.findall(path):
        node = node[name]
        if key:
            fields = _LIST_KEYS[name]
            node = next(item for item in node if "|".join(str(item[f]) for f in fields) == key)
    return node


def _check_marks(page: Page, answers: Answers, lang: str) -> list[dict[str, Any]]:
    """Every number on the page equals the API's, and every too-small sample says so."""
    marks: list[dict[str, Any]] = page.evaluate(_MARKS)
    assert len(marks) >= 80
    wrong = [
        (m["kpi"], m["derived"], m["value"], answers.expected(m["kpi"], m["derived"]))
        for m in marks
        if m["value"] != answers.expected(m["kpi"], m["derived"])
    ]
    assert wrong == []
    misjudged = [
        (m["kpi"], m["sufficient"], m["text"])
        for m in marks
        if (judged := answers.sufficient(m["kpi"])) is not None and m["sufficient"] != judged
    ]
    assert misjudged == []
    # What is read is the text: a share shown is the API's share, to one decimal.
    shares = [m for m in marks if m["kpi"].endswith((".share", ".rate")) and m["sufficient"]]
    unlike = [
        (m["kpi"], m["text"])
        for m in shares
        if m["value"] is not None and m["text"] != f"{m['value'] * 100:.1f}%"
    ]
    assert unlike == []
    assert len(shares) >= 10
    for m in marks:
        if not m["sufficient"]:
            # Neither a share nor a verdict on it: "100% · met" over 4 parcels must not show.
            if m["kpi"].endswith(".meets_target"):
                assert m["text"].endswith(f" · {_TOO_LITTLE[lang]}"), m
            else:
                assert m["text"].startswith(_TOO_LITTLE[lang]), m
    return marks


def _login(page: Page, ledger_url: str, key: str) -> None:
    """Without a key the page asks for one (in Chinese), keeps it for the tab, and loads."""
    page.goto(f"{ledger_url}/dashboard")
    page.wait_for("document.body?.dataset.state === 'login'")
    assert page.evaluate("document.querySelector('#login label span').textContent") == (
        "分析员 API 密钥"
    )
    page.choose("#key", key)
    page.click("#login button[type=submit]")
    page.wait_for("document.body?.dataset.state === 'ready'")
    assert page.evaluate("sessionStorage.getItem('quanhub.key')") == key
    assert key not in page.evaluate("location.href")


def _chinese_first(page: Page, url: str, answers: Answers) -> None:
    page.goto(url)
    page.wait_for("document.body?.dataset.state === 'ready'")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.evaluate("document.querySelector('h1').textContent") == "济南电商与快递协同发展指标"
    headings = page.evaluate("[...document.querySelectorAll('.card h3')].map((n) => n.textContent)")
    assert {"电子运单使用率", "循环中转袋使用率", "48 小时妥投率"} <= set(headings)
    rows = page.evaluate(
        "[...document.querySelectorAll('#districts tbody th')].map((n) => n.textContent)"
    )
    assert sorted(rows) == sorted(d.name_zh for d in JINAN_DISTRICTS.values())
    labels = page.evaluate(
        "[...document.querySelectorAll('#carriers text')].map((n) => n.textContent)"
    )
    for carrier in answers.kpis["carrier_volumes"]["carriers"]:
        assert CARRIERS[carrier["carrier_id"]].name_zh in labels
    marks = _check_marks(page, answers, "zh")
    assert any(not m["sufficient"] for m in marks)  # the district table has thin districts
    _check_decisions(page, marks, "zh")


#: The decision sections' captions (message names) and their alert kinds, in both languages.
_MESSAGES = json.loads(
    resources.files("quanhub.ledger.dashboard").joinpath("static", "messages.json").read_text()
)
_DECISIONS = ("chart_accuracy", "chart_alerts", "chart_incidents")
_KINDS = {
    "zh": ["停滞件", "超 48 小时未取件", "通关滞留"],
    "en": ["Stalled parcels", "Uncollected beyond 48 h", "Stuck declarations"],
}


def _check_decisions(page: Page, marks: list[dict[str, Any]], lang: str) -> None:
    """Accuracy, alerts and incidents are on the page, in its language, each with figures
    (already checked against the API by _check_marks)."""
    captions = page.evaluate(
        "[...document.querySelectorAll('figcaption')].map((n) => n.textContent)"
    )
    assert {_MESSAGES[name][lang] for name in _DECISIONS} <= set(captions)
    for prefix in ("edd_accuracy.overall.", "alerts.counts", "incidents.incidents"):
        assert any(m["kpi"].startswith(prefix) for m in marks), prefix
    kinds = page.evaluate(
        "[...document.querySelectorAll('#alerts .card h3')].map((n) => n.textContent)"
    )
    assert kinds == _KINDS[lang]


def _switch_to_english(page: Page) -> None:
    page.click("#lang")
    page.wait_for("document.documentElement.lang === 'en'")
    assert page.evaluate("document.querySelector('h1').textContent").startswith("Jinan e-commerce")
    assert page.evaluate("document.getElementById('updated').textContent").startswith("Updated")
    assert "lang=en" in page.evaluate("location.hash")
    assert page.evaluate("localStorage.getItem('quanhub.lang')") == "en"
    rows = page.evaluate(
        "[...document.querySelectorAll('#districts tbody th')].map((n) => n.textContent)"
    )
    assert "Licheng District" in rows


def _pick(page: Page, start: str, end: str, district: str) -> None:
    page.choose("#district", district)
    page.choose("#from", start)
    page.choose("#to", end)
    page.wait_for(
        "document.body?.dataset.state === 'ready'"
        f" && location.hash.includes('district={district}')"
        f" && location.hash.includes('from={start}') && location.hash.includes('to={end}')"
        f" && document.getElementById('from').value === '{start}'"
        f" && document.getElementById('to').value === '{end}'"
    )


def _check_csv(
    page: Page, browser: Chromium, answers: Answers, marks: list[dict[str, Any]]
) -> None:
    period = answers.kpis["period"]
    stem = f"quanhub-kpis-{period['from_date']}-{period['to_date']}-{period['district'] or 'jinan'}"
    page.click("#export-csv")
    text = wait_for_file(browser.downloads, stem + ".csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(marks)
    for row, mark in zip(rows, marks, strict=True):
        kpi, _, derived = row["kpi"].partition("#")
        assert kpi == mark["kpi"]
        assert row["shown"] == mark["text"]
        expected = answers.expected(kpi, derived or None)
        if row["sufficient"] == "false":
            assert row["value"] == "", row  # a share over too small a sample is not exported
            assert _TOO_LITTLE["en"] in row["shown"]
        elif expected is None:
            assert row["value"] == "", row
        elif isinstance(expected, str):
            assert row["value"] == expected, row
        else:
            assert json.loads(row["value"]) == expected, row
    page.click("#export-json")
    exported = json.loads(wait_for_file(browser.downloads, stem + ".json").read_text("utf-8"))
    assert exported["answers"]["kpis"] == answers.kpis
    assert exported["answers"]["delivery_times"] == answers.times
    assert exported["answers"]["districts"] == answers.districts
    assert exported["answers"]["delivery_times_by_district"] == answers.district_times
    for name in ("edd_accuracy", "alerts"):
        assert exported["answers"][name] == answers.decisions[name]
    # Incidents are detected as of the moment asked (the wall clock): all but that instant.
    incidents = answers.decisions["incidents"]
    assert exported["answers"]["incidents"] | {"as_of": None} == incidents | {"as_of": None}
    assert [f["kpi"] for f in exported["figures"]] == [r["kpi"] for r in rows]


async def test_dashboard_as_an_official_uses_it(services: RunningServices, tmp_path: Path) -> None:
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
    api = httpx.AsyncClient(base_url=services.ledger_url, headers=headers, timeout=30)
    browser = await asyncio.to_thread(Chromium, tmp_path)
    try:
        # The pipeline holds the run once the hub's indicators equal the ground truth.
        assert await await_kpis(api, truth["kpis"], patience=180) == []
        period = truth["kpis"]["period"]
        start, end = period["from_date"], period["to_date"]
        # A tab of its own (sessionStorage is per tab): the page asks for the key.
        login = await asyncio.to_thread(browser.page)
        await asyncio.to_thread(_login, login, services.ledger_url, keys["JNCOMMERCE"])
        page = await asyncio.to_thread(browser.page)
        url = f"{services.ledger_url}/dashboard#key={keys['JNCOMMERCE']}&from={start}&to={end}"

        city = await Answers.fetch(api, start, end, "")
        assert city.decisions["edd_accuracy"]["overall"]["predicted"] > 0
        await asyncio.to_thread(_chinese_first, page, url, city)
        await asyncio.to_thread(_screenshot, page, "dashboard.png")

        await asyncio.to_thread(_switch_to_english, page)
        marks = await asyncio.to_thread(_check_marks, page, city, "en")
        await asyncio.to_thread(_check_decisions, page, marks, "en")
        await asyncio.to_thread(_screenshot, page, "dashboard-en.png")

        # A district and a shorter period: the page shows that view's answer, not the city's.
        picked = await Answers.fetch(api, "2026-08-02", "2026-08-04", "370112")
        assert picked.kpis["e_waybill_share"] != city.kpis["e_waybill_share"]
        await asyncio.to_thread(_pick, page, "2026-08-02", "2026-08-04", "370112")
        marks = await asyncio.to_thread(_check_marks, page, picked, "en")
        assert page.evaluate("document.querySelector('#districts tr.picked th').textContent") == (
            "Licheng District"
        )
        await asyncio.to_thread(_check_csv, page, browser, picked, marks)

        # A district whose sample is below the minimum: it says so, in the cards and the table.
        small = next(
            code
            for code, report in city.districts.items()
            if 0 < report["e_waybill_share"]["denominator"] < MIN_SAMPLE
        )
        await asyncio.to_thread(_pick, page, start, end, small)
        scant = await Answers.fetch(api, start, end, small)
        await asyncio.to_thread(_check_marks, page, scant, "en")
        card = page.evaluate(
            "(() => { const c = document.querySelector('#targets .card'); return"
            " [c.querySelector('.value').textContent, c.querySelector('.target').textContent]; })()"
        )
        assert card == ["too little data", "target 99.0% · too little data"]

        # Sorting the table by a column orders its rows by the API's figures.
        await asyncio.to_thread(page.click, "button.sort[data-column='parcels']")
        await asyncio.to_thread(page.wait_for, "location.hash.includes('sort=parcels%3Aasc')")
        order = page.evaluate(
            "[...document.querySelectorAll('#districts tbody tr td:first-of-type')]"
            ".map((n) => JSON.parse(n.dataset.value))"
        )
        assert order == sorted(order)

        # "Last 7 days" ends today in China Standard Time.
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        week = (str(today - timedelta(days=6)), str(today))
        await asyncio.to_thread(page.click, "button.range[data-days='7']")
        await asyncio.to_thread(
            page.wait_for,
            "document.body?.dataset.state === 'ready'"
            f" && location.hash.includes('from={week[0]}&to={week[1]}')",
        )
        recent = await Answers.fetch(api, *week, small)
        await asyncio.to_thread(_check_marks, page, recent, "en")
        assert page.errors() == []
        assert login.errors() == []
    finally:
        await api.aclose()
        await asyncio.to_thread(browser.close)


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    page.screenshot(shot)
    assert shot.stat().st_size > 50_000
    if name == "dashboard.png" and (target := os.environ.get("QUANHUB_DASHBOARD_SCREENSHOT")):
        Path(target).write_bytes(shot.read_bytes())

"""Authorization matrix: every role (and no key, and a disabled key), every read and write
route of the gateway and the ledger API (feeds and subscriptions included), for an object of
the caller's own and one of another partner's. The expected answer of each cell is written
out in EXPECTED below; the test fails on any cell that answers otherwise.

Objects (published through the gateway by their real owners):
  own   TMALL order AZ-T-1, shipped by SF as SF8000000001, declared by JNAGENT (AZ-COP-1)
  other JDCOM order AZ-J-1, shipped by ZTO as 73000000000001, declared by AZAGENT (AZ-COP-2)
A customs liaison sees every declaration (so both objects); an admin sees everything.

The three attacks of issue 16 (defect 1), at the end, each name another partner's object
(a scan naming an order, an order naming a waybill, a declaration naming both): the claim
must widen nobody's view, on the object routes or in the feed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import orjson
import pytest

from quanhub.common.access import Role, create_partner, disable_partner
from quanhub.common.access.push import issue_push_nonce, push_secret
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings, PiiSettings
from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e

#: The partner acting as each role ("no_key" sends no Authorization header).
ROLE_PARTNER = {
    "platform": "TMALL",
    "carrier": "SF",
    "customs_agent": "JNAGENT",
    "customs_liaison": "QCCUSTOMS",
    "analyst": "JNCOMMERCE",
    "admin": "ADMIN",
    "no_key": None,
    "disabled": "AZDISABLED",
}
ROLES = tuple(ROLE_PARTNER)
CEB621 = Path(__file__).parents[1] / "corpus" / "inbound" / "ceb" / "CEB621.xml"
NA = 0  # a cell with no "other" object (the route names none)

# route: (own, other) per role, in ROLES order:
#   platform, carrier, customs_agent, customs_liaison, analyst, admin, no_key, disabled
# fmt: off
EXPECTED: dict[str, list[tuple[int, int]]] = {
    # gateway: publish an event about one's own object / naming another partner
    "POST /v1/events":                   [(202, 422), (202, 422), (202, 422), (403, 403), (403, 403), (403, 403), (401, 401), (401, 401)],  # noqa: E501
    # a Kdniao push through the role's own push channel (issued to every role here, although
    # the CLI issues carriers only): a carrier's own parcel / another carrier's; no_key signs
    # with a key of its own, disabled pushes through a disabled partner's channel
    "POST /v1/inbound/kdniao/{partner}": [(422, 422), (200, 422), (422, 422), (422, 422), (422, 422), (422, 422), (401, 401), (401, 401)],  # noqa: E501
    # customs CEB XML (a CEB621 inventory) with the agent's own agentCode / another agent's:
    # the agent publishes as itself; other roles publish no customs events or none at all
    "POST /v1/inbound/ceb":              [(422, 422), (422, 422), (202, 422), (403, 403), (403, 403), (403, 403), (401, 401), (401, 401)],  # noqa: E501
    # ledger API: objects
    # (a customs agent reads no order or parcel: their owners never name it)
    "GET /v1/orders/{p}/{o}":            [(200, 404), (200, 404), (404, 404), (200, 200), (403, 403), (200, 200), (401, 401), (401, 401)],  # noqa: E501
    "GET /v1/parcels/{c}/{w}":           [(200, 404), (200, 404), (404, 404), (200, 200), (403, 403), (200, 200), (401, 401), (401, 401)],  # noqa: E501
    "GET /v1/customs/declarations/{id}": [(200, 404), (200, 404), (200, 404), (200, 200), (403, 403), (200, 200), (401, 401), (401, 401)],  # noqa: E501
    # list: own = own declaration listed, other = other's declaration listed (200 = listed)
    "GET /v1/customs/declarations":      [(200, 404), (200, 404), (200, 404), (200, 200), (403, 403), (200, 200), (401, 401), (401, 401)],  # noqa: E501
    "GET /v1/kpis":                      [(403, NA), (403, NA), (403, NA), (200, NA), (200, NA), (200, NA), (401, NA), (401, NA)],  # noqa: E501
    # alerts: every role may ask (each sees its own; docs/alerts.md), nobody without a key
    "GET /v1/alerts":                    [(200, NA), (200, NA), (200, NA), (200, NA), (200, NA), (200, NA), (401, NA), (401, NA)],  # noqa: E501
    # feed: own = own object's events in the stream, other = other's events in it (200 = present)
    "GET /v1/feed":                      [(200, 404), (200, 404), (200, 404), (200, 200), (403, 403), (200, 200), (401, 401), (401, 401)],  # noqa: E501
    # subscriptions: own = the caller's own subscription, other = another partner's
    "POST /v1/subscriptions":            [(201, NA), (201, NA), (201, NA), (201, NA), (403, NA), (201, NA), (401, NA), (401, NA)],  # noqa: E501
    "GET /v1/subscriptions":             [(200, 404), (200, 404), (200, 404), (200, 404), (200, 404), (200, 404), (401, 401), (401, 401)],  # noqa: E501
    "GET /v1/subscriptions/{id}":        [(200, 404), (200, 404), (200, 404), (200, 404), (404, 404), (200, 404), (401, 401), (401, 401)],  # noqa: E501
    "POST /v1/subscriptions/{id}/resume": [(200, 404), (200, 404), (200, 404), (200, 404), (404, 404), (200, 404), (401, 401), (401, 401)],  # noqa: E501
    "POST /v1/subscriptions/{id}/replay": [(200, 404), (200, 404), (200, 404), (200, 404), (404, 404), (200, 404), (401, 401), (401, 401)],  # noqa: E501
    "POST /v1/subscriptions/{id}/rotate-secret": [(200, 404), (200, 404), (200, 404), (200, 404), (404, 404), (200, 404), (401, 401), (401, 401)],  # noqa: E501
    "GET /v1/subscriptions/{id}/deliveries": [(200, 404), (200, 404), (200, 404), (200, 404), (404, 404), (200, 404), (401, 401), (401, 401)],  # noqa: E501
    "POST …/deliveries/{d}/redeliver":   [(404, 404), (404, 404), (404, 404), (404, 404), (404, 404), (404, 404), (401, 401), (401, 401)],  # noqa: E501
    "DELETE /v1/subscriptions/{id}":     [(204, 404), (204, 404), (204, 404), (204, 404), (404, 404), (204, 404), (401, 401), (401, 401)],  # noqa: E501
}
# fmt: on
# A period of its own (mid October), apart from the other e2e tests' traffic and KPIs.
WHEN = "2026-10-15T08:00:00+08:00"


@dataclass(slots=True)
class World:
    """Keys by role, and the ids of the objects and subscriptions the matrix asks about."""

    keys: dict[str, str | None]
    declarations: dict[str, str]  # "own"/"other" -> declaration id
    subscriptions: dict[str, str]  # partner code -> its subscription id
    push_keys: dict[str, str]  # role -> the Kdniao AppKey of its partner's push channel


def _headers(key: str | None) -> dict[str, str]:
    return {} if key is None else {"Authorization": f"Bearer {key}"}


def _order(
    event_id: str, platform: str, order_no: str, carrier: str, waybill: str
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": WHEN,
        "order": {
            "platform_code": platform,
            "order_no": order_no,
            "code_system": "quanhub",
            "code": "PAID",
            "actual_paid": "88.00",
            "carrier_code": carrier,
            "waybill_no": waybill,
        },
    }


def _parcel(
    event_id: str, carrier: str, waybill: str, platform: str, order_no: str
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": WHEN,
        "parcel": {
            "carrier_code": carrier,
            "waybill_no": waybill,
            "code_system": "quanhub",
            "code": "IN_TRANSIT",
            "platform_code": platform,
            "order_no": order_no,
        },
    }


def _declaration(  # noqa: PLR0917 - one argument per document field
    event_id: str, cop_no: str, order_no: str, ebp: str, logistics: str, waybill: str, agent: str
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": WHEN,
        "customs": {
            "message_type": "CEB621",
            "trade_mode": "1210",
            "ie_flag": "I",
            "cop_no": cop_no,
            "order_no": order_no,
            "ebp_code": ebp,
            "logistics_code": logistics,
            "logistics_no": waybill,
            "agent_code": agent,
            "customs_code": "4312",
        },
    }


@pytest.fixture(scope="module")
async def world(services: RunningServices, database_settings: DatabaseSettings) -> World:
    """Partners, objects (published by their owners), and one subscription per receiver."""
    clock = SystemClock()
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=2)
    try:
        _, agent = await create_partner(
            pool,
            code="AZAGENT",
            role=Role.CUSTOMS_AGENT,
            name="Other agent",
            customs_code="3701AG0077",
            clock=clock,
        )
        _, disabled = await create_partner(
            pool, code="AZDISABLED", role=Role.PLATFORM, name="Disabled platform", clock=clock
        )
        master = PiiSettings().secret.get_secret_value().encode()
        push_keys = {"no_key": "a-key-of-its-own"}
        for role, code in ROLE_PARTNER.items():
            if code is not None:
                nonce = await issue_push_nonce(pool, code, "kdniao", clock)
                push_keys[role] = push_secret(master, code, "kdniao", nonce)
        await disable_partner(pool, "AZDISABLED")
    finally:
        await pool.close()
    keys: dict[str, str | None] = {
        role: services.demo_keys.get(code or "") for role, code in ROLE_PARTNER.items()
    }
    keys["disabled"] = disabled.api_key
    demo = services.demo_keys
    batches = [
        (demo["TMALL"], _order("az-o1", "TMALL", "AZ-T-1", "SF", "SF8000000001")),
        (demo["JDCOM"], _order("az-o2", "JDCOM", "AZ-J-1", "ZTO", "73000000000001")),
        (demo["SF"], _parcel("az-p1", "SF", "SF8000000001", "TMALL", "AZ-T-1")),
        (demo["ZTO"], _parcel("az-p2", "ZTO", "73000000000001", "JDCOM", "AZ-J-1")),
        (
            demo["JNAGENT"],
            _declaration(
                "az-c1",
                "AZ-COP-1",
                "AZ-T-1",
                "3701PT0001",
                "3701LG0001",
                "SF8000000001",
                "3701AG0001",
            ),
        ),
        (
            agent.api_key,
            _declaration(
                "az-c2",
                "AZ-COP-2",
                "AZ-J-1",
                "3701PT0002",
                "3701LG0002",
                "73000000000001",
                "3701AG0077",
            ),
        ),
    ]
    async with httpx.AsyncClient(timeout=30) as client:
        for key, event in batches:
            response = await client.post(
                f"{services.gateway_url}/v1/events", json={"events": [event]}, headers=_headers(key)
            )
            assert response.status_code == 202, response.text
            assert not response.json()["rejected"], response.text
        declarations = await _declaration_ids(client, services, demo["ADMIN"])
        subscriptions: dict[str, str] = {}
        for code in ("TMALL", "SF", "JNAGENT", "QCCUSTOMS", "ADMIN"):
            subscriptions[code] = await _subscribe(client, services, demo[code])
    return World(keys, declarations, subscriptions, push_keys)


async def _declaration_ids(
    client: httpx.AsyncClient, services: RunningServices, admin_key: str
) -> dict[str, str]:
    """Wait until both declarations (and the other objects) are in the ledger."""
    deadline = time.monotonic() + 60
    wanted = {"AZ-COP-1": "own", "AZ-COP-2": "other"}
    while time.monotonic() < deadline:
        response = await client.get(
            f"{services.ledger_url}/v1/customs/declarations",
            params={"limit": 500},
            headers=_headers(admin_key),
        )
        found = {d["cop_no"]: d["id"] for d in response.json()["items"] if d["cop_no"] in wanted}
        parcel = await client.get(
            f"{services.ledger_url}/v1/parcels/ZTO/73000000000001", headers=_headers(admin_key)
        )
        if len(found) == 2 and parcel.status_code == 200:
            return {wanted[cop]: ident for cop, ident in found.items()}
        await asyncio.sleep(0.5)
    pytest.fail("the matrix's objects did not reach the ledger in 60 s")


async def _subscribe(client: httpx.AsyncClient, services: RunningServices, key: str) -> str:
    response = await client.post(
        f"{services.ledger_url}/v1/subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "after_seq": 0},
        headers=_headers(key),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _other_subscription(role: str) -> str:
    return "TMALL" if role == "admin" else "ADMIN"


class Cells:
    """Asks one route, as one role, about the own or the other object; returns a status
    (for lists and the feed: 200 when the object is in the answer, 404 when it is not)."""

    def __init__(self, client: httpx.AsyncClient, services: RunningServices, world: World):
        self.client = client
        self.gateway = services.gateway_url
        self.ledger = services.ledger_url
        self.world = world

    async def answer(self, route: str, role: str, which: str) -> int:
        key = self.world.keys[role]
        own = which == "own"
        h = _headers(key)
        c, ledger = self.client, self.ledger
        if route == "POST /v1/events":
            return (
                await c.post(
                    f"{self.gateway}/v1/events", headers=h, json={"events": [_publish(role, own)]}
                )
            ).status_code
        if route == "POST /v1/inbound/kdniao/{partner}":
            partner = ROLE_PARTNER[role] or "SF"
            form = _kdniao_push(own, self.world.push_keys[role])
            url = f"{self.gateway}/v1/inbound/kdniao/{partner}"
            kdniao = {"content-type": "application/x-www-form-urlencoded"}
            return (await c.post(url, content=form, headers=kdniao)).status_code
        if route == "POST /v1/inbound/ceb":
            xml = {**h, "content-type": "application/xml"}
            url = f"{self.gateway}/v1/inbound/ceb"
            return (await c.post(url, content=_ceb_inventory(own), headers=xml)).status_code
        if route == "GET /v1/orders/{p}/{o}":
            path = "TMALL/AZ-T-1" if own else "JDCOM/AZ-J-1"
            return (await c.get(f"{ledger}/v1/orders/{path}", headers=h)).status_code
        if route == "GET /v1/parcels/{c}/{w}":
            path = "SF/SF8000000001" if own else "ZTO/73000000000001"
            return (await c.get(f"{ledger}/v1/parcels/{path}", headers=h)).status_code
        declaration = self.world.declarations[which]
        if route == "GET /v1/customs/declarations/{id}":
            url = f"{ledger}/v1/customs/declarations/{declaration}"
            return (await c.get(url, headers=h)).status_code
        if route == "GET /v1/customs/declarations":
            response = await c.get(
                f"{ledger}/v1/customs/declarations", params={"limit": 500}, headers=h
            )
            if response.status_code != 200:
                return response.status_code
            return 200 if declaration in {d["id"] for d in response.json()["items"]} else 404
        if route == "GET /v1/kpis":
            return (await c.get(f"{ledger}/v1/kpis", headers=h)).status_code
        if route == "GET /v1/alerts":
            return (await c.get(f"{ledger}/v1/alerts", headers=h)).status_code
        if route == "GET /v1/feed":
            return await self._feed(h, own)
        return await self._subscriptions(route, role, own, h)

    async def _feed(self, headers: dict[str, str], own: bool) -> int:
        marks = (
            {"SF8000000001", "AZ-T-1", "AZ-COP-1"}
            if own
            else {"73000000000001", "AZ-J-1", "AZ-COP-2"}
        )
        seen: set[str] = set()
        url = f"{self.ledger}/v1/feed"
        async with self.client.stream("GET", url, params={"after": 0}, headers=headers) as r:
            if r.status_code != 200:
                return r.status_code

            async def read() -> None:
                async for line in r.aiter_lines():
                    if line.startswith("data:"):
                        seen.update(v for v in _marks_in(line) if v in marks)

            # Catch-up comes at once; after it the stream only waits for new events.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(read(), timeout=2.0)
        return 200 if seen else 404

    async def _subscriptions(self, route: str, role: str, own: bool, h: dict[str, str]) -> int:
        c, base = self.client, f"{self.ledger}/v1/subscriptions"
        mine = self.world.subscriptions.get(ROLE_PARTNER[role] or "", str(uuid.uuid4()))
        target = mine if own else self.world.subscriptions[_other_subscription(role)]
        if route == "POST /v1/subscriptions":
            body = {"url": "http://127.0.0.1:9/hook", "after_seq": 0}
            return (await c.post(base, json=body, headers=h)).status_code
        if route == "GET /v1/subscriptions":
            response = await c.get(base, params={"limit": 200}, headers=h)
            if response.status_code != 200 or own:
                return response.status_code
            listed = {s["id"] for s in response.json()["items"]}
            return 200 if target in listed else 404
        if route == "GET /v1/subscriptions/{id}":
            return (await c.get(f"{base}/{target}", headers=h)).status_code
        if route == "POST /v1/subscriptions/{id}/resume":
            return (await c.post(f"{base}/{target}/resume", headers=h)).status_code
        if route == "POST /v1/subscriptions/{id}/replay":
            return (
                await c.post(f"{base}/{target}/replay", json={"from_seq": 1}, headers=h)
            ).status_code
        if route == "POST /v1/subscriptions/{id}/rotate-secret":
            body = {"overlap_seconds": 3600}
            return (
                await c.post(f"{base}/{target}/rotate-secret", json=body, headers=h)
            ).status_code
        if route == "GET /v1/subscriptions/{id}/deliveries":
            return (await c.get(f"{base}/{target}/deliveries", headers=h)).status_code
        if route == "POST …/deliveries/{d}/redeliver":
            url = f"{base}/{target}/deliveries/{uuid.uuid4()}/redeliver"
            return (await c.post(url, headers=h)).status_code
        if route == "DELETE /v1/subscriptions/{id}":
            if own and role in ("platform", "carrier", "customs_agent", "customs_liaison", "admin"):
                created = await c.post(base, json={"url": "http://127.0.0.1:9/d"}, headers=h)
                target = str(created.json()["id"])
            return (await c.delete(f"{base}/{target}", headers=h)).status_code
        raise AssertionError(route)


def _marks_in(line: str) -> list[str]:
    import orjson

    data = orjson.loads(line.removeprefix("data:").strip())
    return [str(data.get(k, "")) for k in ("waybill_no", "order_no", "cop_no")]


def _kdniao_push(own: bool, app_key: str) -> str:
    """A Kdniao track push (RequestType 101) of SF's own parcel, or of ZTO's, signed."""
    shipper, waybill = ("SF", "SF8000000001") if own else ("ZTO", "73000000000001")
    trace = {"AcceptTime": "2026-10-15 08:00:00", "AcceptStation": "运输中", "Action": "2"}
    item = {"ShipperCode": shipper, "LogisticCode": waybill, "State": "2", "Traces": [trace]}
    data = orjson.dumps({"EBusinessID": "1237100", "Count": "1", "Data": [item]}).decode()
    digest = hashlib.md5((data + app_key).encode(), usedforsecurity=False).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    return urlencode({"RequestData": data, "DataSign": sign, "RequestType": "101"})


def _ceb_inventory(own: bool) -> bytes:
    """The corpus CEB621 inventory as JNAGENT's declaration AZ-COP-1 (the one /v1/events
    publishes), under its own agentCode or AZAGENT's; a new guid, so a new event each time."""
    xml = CEB621.read_text(encoding="utf-8")
    for old, new in (
        ("9F011223-3445-4567-A789-621000000001", str(uuid.uuid4()).upper()),
        ("COP20261128000001", "AZ-COP-1"),
        ("ORD20261128000001", "AZ-T-1"),
        ("3301961234", "3701PT0001"),
        ("YT7000000000001", "SF8000000001"),
        ("3701LG0003", "3701LG0001"),
        ("<ceb:agentCode>3701AG0001<", f"<ceb:agentCode>{'3701AG0001' if own else '3701AG0077'}<"),
    ):
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode()


def _publish(role: str, own: bool) -> dict[str, Any]:
    """An event the role publishes about its own object, or naming another partner."""
    ident = f"az-{uuid.uuid4().hex[:12]}"
    if role == "platform":
        return _order(ident, "TMALL" if own else "JDCOM", "AZ-T-1", "SF", "SF8000000001")
    if role == "customs_agent":
        agent = "3701AG0001" if own else "3701AG0077"
        return _declaration(
            ident, "AZ-COP-1", "AZ-T-1", "3701PT0001", "3701LG0001", "SF8000000001", agent
        )
    carrier = "SF" if own else "zhongtong"
    return _parcel(ident, carrier, "SF8000000001", "TMALL", "AZ-T-1")


@pytest.mark.parametrize("route", list(EXPECTED))
async def test_every_role_gets_exactly_its_expected_answer(
    route: str, world: World, services: RunningServices
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        cells = Cells(client, services, world)
        actual = []
        for role, (_own, other) in zip(ROLES, EXPECTED[route], strict=True):
            got_own = await cells.answer(route, role, "own")
            got_other = await cells.answer(route, role, "other") if other else NA
            actual.append((got_own, got_other))
    table = {role: (e, a) for role, e, a in zip(ROLES, EXPECTED[route], actual, strict=True)}
    wrong = {role: f"expected {e}, got {a}" for role, (e, a) in table.items() if e != a}
    assert not wrong, f"{route}: {wrong}"


# --- one-sided claims (issue 16, defect 1): objects of their own, apart from the matrix's
VICTIM_ORDER, VICTIM_WAYBILL = "AZ-J-V", "73000000000088"  # JDCOM's order, shipped by ZTO
SF_CLAIM, TMALL_CLAIM, AGENT_CLAIM = "SF8000000088", "AZ-T-V", "AZ-COP-V"


@dataclass(slots=True)
class Claims:
    """The ledger and keys after the attackers published their claims."""

    ledger: str
    keys: dict[str, str]
    declaration: str  # the agent's declaration id


@pytest.fixture(scope="module")
async def claims(services: RunningServices) -> Claims:
    """JDCOM's order and ZTO's parcel (naming each other), then the three claims on them."""
    demo = services.demo_keys
    victims = [
        (demo["JDCOM"], _order("az-v1", "JDCOM", VICTIM_ORDER, "ZTO", VICTIM_WAYBILL)),
        (demo["ZTO"], _parcel("az-v2", "ZTO", VICTIM_WAYBILL, "JDCOM", VICTIM_ORDER)),
    ]
    attacks = [
        # SF's own parcel, naming JDCOM's order.
        (demo["SF"], _parcel("az-a1", "SF", SF_CLAIM, "JDCOM", VICTIM_ORDER)),
        # TMALL's own order, SHIPPED with ZTO's waybill.
        (demo["TMALL"], _order("az-a2", "TMALL", TMALL_CLAIM, "ZTO", VICTIM_WAYBILL)),
        # The agent's CEB311 naming JDCOM's order and ZTO's parcel.
        (
            demo["JNAGENT"],
            _declaration(
                "az-a3",
                AGENT_CLAIM,
                VICTIM_ORDER,
                "3701PT0002",
                "3701LG0002",
                VICTIM_WAYBILL,
                "3701AG0001",
            ),
        ),
    ]
    admin = _headers(demo["ADMIN"])
    async with httpx.AsyncClient(timeout=30, base_url=services.ledger_url) as client:
        gateway = f"{services.gateway_url}/v1/events"
        for key, event in victims + attacks:
            response = await client.post(gateway, json={"events": [event]}, headers=_headers(key))
            assert response.status_code == 202, response.text
            assert not response.json()["rejected"], response.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            order = await client.get(f"/v1/orders/JDCOM/{VICTIM_ORDER}", headers=admin)
            tmall = await client.get(f"/v1/orders/TMALL/{TMALL_CLAIM}", headers=admin)
            listed = await client.get(
                "/v1/customs/declarations", params={"limit": 500}, headers=admin
            )
            ids = [d["id"] for d in listed.json()["items"] if d["cop_no"] == AGENT_CLAIM]
            if (
                order.status_code == 200
                and len(order.json()["links"]) == 2
                and tmall.status_code == 200
                and ids
            ):
                return Claims(services.ledger_url, demo, ids[0])
            await asyncio.sleep(0.5)
    pytest.fail("the claims did not reach the ledger in 60 s")


async def _feed_objects(client: httpx.AsyncClient, ledger: str, key: str) -> set[str]:
    """The objects (kind:key) whose events a partner's feed carries (catch-up from 0)."""
    import orjson

    seen: set[str] = set()
    async with client.stream(
        "GET", f"{ledger}/v1/feed", params={"after": 0}, headers=_headers(key)
    ) as r:
        assert r.status_code == 200

        async def read() -> None:
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    e = orjson.loads(line.removeprefix("data:").strip())
                    if e["kind"] == "order":
                        seen.add(f"order:{e['platform_code']}/{e['order_no']}")
                    elif e["kind"] == "parcel":
                        seen.add(f"parcel:{e['carrier_id']}/{e['waybill_no']}")

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(read(), timeout=2.0)
    return seen


async def test_a_carrier_naming_an_order_does_not_read_it(claims: Claims) -> None:
    async with httpx.AsyncClient(timeout=30, base_url=claims.ledger) as client:
        sf = _headers(claims.keys["SF"])
        assert (await client.get(f"/v1/orders/JDCOM/{VICTIM_ORDER}", headers=sf)).status_code == 404
        own = (await client.get(f"/v1/parcels/SF/{SF_CLAIM}", headers=sf)).json()
        assert own["orders"] == []
        assert [(x["order_no"], x["confirmed"], x["revealed"]) for x in own["links"]] == [
            (VICTIM_ORDER, False, False)
        ]
        assert f"order:JDCOM/{VICTIM_ORDER}" not in await _feed_objects(
            client, claims.ledger, claims.keys["SF"]
        )
        # In JDCOM's own view, SF's parcel is never a confirmed part of the order.
        view = (
            await client.get(
                f"/v1/orders/JDCOM/{VICTIM_ORDER}", headers=_headers(claims.keys["JDCOM"])
            )
        ).json()
        confirmed = {p["waybill_no"]: p["confirmed"] for p in view["parcels"]}
        assert confirmed == {VICTIM_WAYBILL: True, SF_CLAIM: False}
        assert view["consignment"]["parcel_statuses"] == {f"ZTO/{VICTIM_WAYBILL}": "IN_TRANSIT"}
        assert all(not e["object"].startswith("parcel:SF/") for e in view["timeline"])


async def test_a_platform_naming_a_waybill_does_not_read_the_parcel(claims: Claims) -> None:
    async with httpx.AsyncClient(timeout=30, base_url=claims.ledger) as client:
        tmall = _headers(claims.keys["TMALL"])
        parcel = f"/v1/parcels/ZTO/{VICTIM_WAYBILL}"
        assert (await client.get(parcel, headers=tmall)).status_code == 404
        own = (await client.get(f"/v1/orders/TMALL/{TMALL_CLAIM}", headers=tmall)).json()
        assert own["parcels"] == []
        assert [(x["waybill_no"], x["confirmed"], x["revealed"]) for x in own["links"]] == [
            (VICTIM_WAYBILL, False, False)
        ]
        assert f"parcel:ZTO/{VICTIM_WAYBILL}" not in await _feed_objects(
            client, claims.ledger, claims.keys["TMALL"]
        )


async def test_an_agent_naming_an_order_and_parcel_reads_neither(claims: Claims) -> None:
    async with httpx.AsyncClient(timeout=30, base_url=claims.ledger) as client:
        agent = _headers(claims.keys["JNAGENT"])
        for path in (f"/v1/orders/JDCOM/{VICTIM_ORDER}", f"/v1/parcels/ZTO/{VICTIM_WAYBILL}"):
            assert (await client.get(path, headers=agent)).status_code == 404, path
        own = await client.get(f"/v1/customs/declarations/{claims.declaration}", headers=agent)
        assert own.status_code == 200, own.text
        assert own.json()["order"] is None
        assert own.json()["parcels"] == []
        fed = await _feed_objects(client, claims.ledger, claims.keys["JNAGENT"])
        assert not fed & {f"order:JDCOM/{VICTIM_ORDER}", f"parcel:ZTO/{VICTIM_WAYBILL}"}

"""Every query and path parameter of every route, fed extreme values: never a 5xx.

The routes and their parameters are read from each app's own OpenAPI document (plus the
routes it hides: dashboard, ops), so a new route or parameter is covered without touching
this test. Hypothesis draws the values: dates and instants at year 1 and 9999 and next to
them, huge and negative integers, NUL, long strings, empty values, malformed percent escapes
(sent raw, not re-encoded), plus a parameter no route declares. Each app runs in uvicorn on
the session's real PostgreSQL (and Kafka for the gateway), called with valid keys.
QUANHUB_EXTREMES_EXAMPLES cases per operation and key (15 in `make test`, 200 in `make fuzz`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quanhub.common.access import Role, create_partner
from quanhub.common.clock import SystemClock
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.gateway.app import create_app as create_gateway
from quanhub.gateway.settings import GatewaySettings
from quanhub.ledger.api.app import create_app as create_ledger_api
from quanhub.ledger.settings import LedgerApiSettings

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("QUANHUB_EXTREMES_EXAMPLES", "15"))
#: A query parameter no route declares (routes must ignore or refuse it, not fail).
UNDECLARED = "x\x00undeclared"


@dataclass(frozen=True)
class Value:
    """One parameter value; `raw` is sent as written (already percent-encoded, maybe badly)."""

    text: str
    raw: bool = False

    def encoded(self) -> str:
        return self.text if self.raw else quote(self.text, safe="")


@dataclass
class Operation:
    """A method and path template with its declared path and query parameters (name ->
    the kind of value its schema asks for: date, date-time, integer, uuid or string)."""

    method: str
    path: str
    path_params: dict[str, str] = field(default_factory=dict)
    query_params: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _kind(schema: dict[str, Any]) -> str:
    """What a parameter's schema asks for, looking through `anyOf` (optional parameters)."""
    for option in [schema, *schema.get("anyOf", [])]:
        kind = option.get("format") or option.get("type")
        if kind in {"date", "date-time", "integer", "uuid"}:
            return str(kind)
    return "string"


def operations(app: FastAPI) -> list[Operation]:
    """Every operation of the app's OpenAPI document, and the routes the document hides."""
    found: list[Operation] = []
    for path, methods in app.openapi()["paths"].items():
        for method, spec in methods.items():
            params = spec.get("parameters", [])
            found.append(
                Operation(
                    method.upper(),
                    path,
                    {p["name"]: _kind(p["schema"]) for p in params if p["in"] == "path"},
                    {p["name"]: _kind(p["schema"]) for p in params if p["in"] == "query"},
                )
            )
    documented = {(o.method, o.path) for o in found}
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or {"GET"}):
            if (method, route.path) not in documented and method != "HEAD":
                params = dict.fromkeys(re.findall(r"{(\w+)(?::\w+)?}", route.path), "string")
                found.append(Operation(method, route.path, params))
    return found


_DAY = timedelta(days=1)
_EDGE_DAYS = st.integers(0, 45)
_OFFSETS = st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))
_DATES = st.one_of(
    st.dates().map(date.isoformat),
    _EDGE_DAYS.map(lambda n: (date.min + n * _DAY).isoformat()),
    _EDGE_DAYS.map(lambda n: (date.max - n * _DAY).isoformat()),
)
_INSTANTS = st.one_of(
    st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), st.datetimes(), _OFFSETS),
    st.builds(
        lambda n, tz: datetime.combine(date.min + n * _DAY, datetime.min.time(), tz).isoformat(),
        _EDGE_DAYS,
        _OFFSETS,
    ),
    st.builds(
        lambda n, tz: datetime.combine(date.max - n * _DAY, datetime.max.time(), tz).isoformat(),
        _EDGE_DAYS,
        _OFFSETS,
    ),
)
_INTEGERS = st.one_of(
    st.integers(-(2**100), 2**100),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**400]),
).map(str)
_STRINGS = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=10).map(lambda s: f"{s}\x00{s}"),
    st.integers(100, 20_000).map(lambda n: "9" * n),
    st.integers(100, 20_000).map(lambda n: "A" * n),
    st.sampled_from(["", " ", "-0", "1e309", "NaN", "inf", "..", "/", "\\", "'", "%", "\ufeff"]),
    st.sampled_from([str(uuid.UUID(int=0)), "00000000-0000-0000-0000-00000000000g"]),
)
#: Percent escapes that decode to no UTF-8 (overlong, surrogate, cut, lone, bad hex).
_RAW = st.sampled_from(
    [
        "%FF",
        "%C0%80",
        "%C0%AE",
        "%ED%A0%80",
        "%E4%B8",
        "%",
        "%G1",
        "%00",
        "%2",
        "a%FFb",
        "%F4%90%80%80",
    ]
).map(lambda s: Value(s, raw=True))
_ANY = st.one_of(st.one_of(_DATES, _INSTANTS, _INTEGERS, _STRINGS).map(Value), _RAW)
#: Per kind of parameter: mostly values of its own kind (so they get past validation and
#: reach the route's code), sometimes anything.
TYPED = {
    "date": st.one_of(_DATES.map(Value), _ANY),
    "date-time": st.one_of(_INSTANTS.map(Value), _DATES.map(Value), _ANY),
    "integer": st.one_of(_INTEGERS.map(Value), _ANY),
    "uuid": st.one_of(st.uuids().map(str).map(Value), _ANY),
    "string": _ANY,
}


def _boundary() -> list[Value]:
    """The fixed extremes every parameter is given on its own, whatever Hypothesis draws."""
    days = [date.min + n * _DAY for n in (0, 1, 28, 29, 30)]
    days += [date.max - n * _DAY for n in (0, 1, 29, 30)]
    instants = [
        datetime.combine(day, moment, timezone(timedelta(hours=hours))).isoformat()
        for day, moment in ((date.min, datetime.min.time()), (date.max, datetime.max.time()))
        for hours in (-14, 0, 14)
    ]
    numbers = [0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**70, 10**400]
    strings = ["", "\x00", "a\x00b", "A" * 20_000, "9" * 5_000, "NaN", "-0", "1e309", ".."]
    raw = ["%FF", "%C0%80", "%ED%A0%80", "%E4%B8", "%", "%G1"]
    return [
        *(Value(d.isoformat()) for d in days),
        *(Value(i) for i in instants),
        *(Value(str(n)) for n in numbers),
        *(Value(s) for s in strings),
        *(Value(r, raw=True) for r in raw),
    ]


BOUNDARY = _boundary()


@dataclass(frozen=True)
class Case:
    """One request: values of some of the operation's parameters."""

    path: dict[str, Value]
    query: list[tuple[str, Value]]

    def url(self, operation: Operation, plain: dict[str, str]) -> str:
        path = operation.path
        for name in operation.path_params:
            value = self.path.get(name) or Value(plain.get(name, "X1"))
            path = path.replace(f"{{{name}}}", value.encoded())
        query = "&".join(f"{quote(k, safe='')}={v.encoded()}" for k, v in self.query)
        return f"{path}?{query}" if query else path


def cases(operation: Operation) -> list[Case]:
    """Each parameter alone at each BOUNDARY value, then EXAMPLES combinations drawn
    (deterministically) by Hypothesis."""
    fixed = [Case({name: v}, []) for name in operation.path_params for v in BOUNDARY]
    queries = {**operation.query_params, UNDECLARED: "string"}
    fixed += [Case({}, [(name, v)]) for name in queries for v in BOUNDARY]
    path_values = st.fixed_dictionaries(
        {}, optional={name: TYPED[kind] for name, kind in operation.path_params.items()}
    )
    query_values = st.lists(
        st.sampled_from(sorted(queries)).flatmap(
            lambda name: st.tuples(st.just(name), TYPED[queries[name]])
        ),
        max_size=4,
    )
    drawn: list[Case] = []

    @given(path=path_values, query=query_values)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def draw(path: dict[str, Value], query: list[tuple[str, Value]]) -> None:
        drawn.append(Case(path, query))

    draw()
    return fixed + drawn


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app in uvicorn on a free loopback port, and a client for it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, timeout_graceful_shutdown=2))
    task = asyncio.create_task(server._serve([sock]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()


async def _partner(pool: asyncpg.Pool, role: Role) -> str:
    code = f"XT{role.value[:3].upper()}{uuid.uuid4().hex[:8].upper()}"
    _, issued = await create_partner(pool, code=code, role=role, name=code, clock=SystemClock())
    return issued.api_key


async def _call(client: httpx.AsyncClient, operation: Operation, url: str, key: str) -> int:
    """The status answered; streams (the SSE feed) are closed once the status is known."""
    request = client.build_request(
        operation.method, url, headers={"Authorization": f"Bearer {key}"}
    )
    response = await client.send(request, stream=True)
    await response.aclose()
    return response.status_code


async def _fuzz(
    app: FastAPI, client: httpx.AsyncClient, keys: list[str], plain: dict[str, str]
) -> None:
    failures: list[str] = []
    found = operations(app)
    assert found
    for operation in found:
        for case in cases(operation):
            url = case.url(operation, plain)
            for key in keys:
                status = await _call(client, operation, url, key)
                if status >= 500:
                    failures.append(f"{operation.label}: {status} for {url[:300]!r}")
                    break
    assert not failures, f"{len(failures)} 5xx answers:\n" + "\n".join(failures[:40])


async def test_ledger_api_parameters_at_extremes_are_never_5xx(
    database_settings: DatabaseSettings,
) -> None:
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=2)
    try:
        keys = [await _partner(pool, role) for role in (Role.ADMIN, Role.PLATFORM)]
    finally:
        await pool.close()
    settings_ = LedgerApiSettings(
        database=database_settings, migrate_on_start=False, auth_cache_seconds=60
    )
    app = create_ledger_api(settings_)
    async with serving(app) as client:
        created = await client.post(
            "/v1/subscriptions",
            json={"url": "http://127.0.0.1:9/h"},
            headers={"Authorization": f"Bearer {keys[0]}"},
        )
        assert created.status_code == 201, created.text
        # Path parameters not being fuzzed take a real value, so the route runs its query.
        plain = {"subscription_id": created.json()["id"], "platform_code": "TMALL"}
        await _fuzz(app, client, keys, plain)


async def test_gateway_parameters_at_extremes_are_never_5xx(
    kafka_settings: KafkaSettings, database_settings: DatabaseSettings
) -> None:
    await ensure_topics(kafka_settings, Topics(kafka_settings).specs())
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=2)
    try:
        keys = [await _partner(pool, role) for role in (Role.PLATFORM, Role.ADMIN)]
    finally:
        await pool.close()
    options: dict[str, Any] = {
        "kafka": kafka_settings,
        "database": database_settings,
        "migrate_on_start": False,
        "auth_cache_seconds": 60,
    }
    app = create_gateway(GatewaySettings.model_validate(options))
    async with serving(app) as client:
        await _fuzz(app, client, keys, {})

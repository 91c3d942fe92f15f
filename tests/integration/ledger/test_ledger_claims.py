"""Claims: what one side's naming of another's object reveals (issue 16, defect 1).

A link reveals an object only when the object's owner asserted it (docs/ledger.md,
"Visibility"). Each scenario links two objects by a one-sided claim or by both sides, in
each direction (order -> parcel, parcel -> order, declaration -> order, declaration ->
parcel); every role, and a second partner of the claimant's or the victim's role, then
asks the object routes and the feed. READERS below is the whole expected matrix: a
partner outside an object's set is answered 404 (analysts 403) and finds none of its
events in its feed. The views say which links are confirmed (both sides asserted them) and
show no contents of an object the reader may not read.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import customs_event, order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role, create_partner
from quanhub.common.clock import FixedClock
from quanhub.ledger.feeds.source import KINDS, LedgerEventSource
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.visibility import declaration_confirmed

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 21, 2, tzinfo=UTC)
TMALL_EBP, SF_LOGISTICS, ZTO_LOGISTICS = "3701PT0001", "3701LG0001", "3701LG0002"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
_append = functools.partial(append_and_project, now=NOW)
#: The ledger_api fixture's partners (conftest.PARTNERS) and a second customs agent.
ROLE_OF = {
    "TMALL": Role.PLATFORM,
    "JD": Role.PLATFORM,
    "SF": Role.CARRIER,
    "ZTO": Role.CARRIER,
    "JNAGENT": Role.CUSTOMS_AGENT,
    "AGENT2": Role.CUSTOMS_AGENT,
    "QCCUSTOMS": Role.CUSTOMS_LIAISON,
    "JNCOMMERCE": Role.ANALYST,
    "ADMIN": Role.ADMIN,
}
CUSTOMS_OF = {
    "TMALL": TMALL_EBP,
    "JD": "3701PT0002",
    "SF": SF_LOGISTICS,
    "ZTO": ZTO_LOGISTICS,
    "JNAGENT": "3701AG0001",
    "AGENT2": "3701AG0099",
}
ALL = tuple(ROLE_OF)

# Who reads each object (200); everyone else 404, analysts 403.
# fmt: off
READERS: dict[str, set[str]] = {
    # 1 order -> parcel, one-sided: TMALL's order names SF's waybill, SF's scans do not.
    "order:TMALL/CL-O1":  {"TMALL", "SF", "ADMIN"},
    "parcel:SF/CLW1":     {"SF", "ADMIN"},
    # 2 order <-> parcel, two-sided: both name each other.
    "order:TMALL/CL-O2":  {"TMALL", "SF", "ADMIN"},
    "parcel:SF/CLW2":     {"SF", "TMALL", "ADMIN"},
    # 3 parcel -> order, one-sided: SF's scan names JD's order, JD's order names no parcel.
    "order:JD/CL-J3":     {"JD", "ADMIN"},
    "parcel:SF/CLW3":     {"SF", "JD", "ADMIN"},
    # 4 parcel <-> order, two-sided (another platform and carrier).
    "order:JD/CL-J4":     {"JD", "ZTO", "ADMIN"},
    "parcel:ZTO/CLW4":    {"ZTO", "JD", "ADMIN"},
    # 5 declaration -> order: an agent's CEB311 names TMALL's existing order.
    "order:TMALL/CL-O5":  {"TMALL", "QCCUSTOMS", "ADMIN"},
    "customs:CL-D5":      {"JNAGENT", "TMALL", "QCCUSTOMS", "ADMIN"},
    # 6 declaration -> parcel: an agent's CEB511 names ZTO's existing parcel.
    "parcel:ZTO/CLW6":    {"ZTO", "QCCUSTOMS", "ADMIN"},
    "customs:CL-D6":      {"JNAGENT", "ZTO", "QCCUSTOMS", "ADMIN"},
    # 7 declaration -> order and parcel that name each other (a whole consignment).
    "order:TMALL/CL-O7":  {"TMALL", "SF", "QCCUSTOMS", "ADMIN"},
    "parcel:SF/CLW7":     {"SF", "TMALL", "QCCUSTOMS", "ADMIN"},
    "customs:CL-D7":      {"AGENT2", "TMALL", "SF", "QCCUSTOMS", "ADMIN"},
    # 8 declaration naming an order and a parcel that do not exist (a bare claim).
    "customs:CL-D8":      {"JNAGENT", "TMALL", "SF", "QCCUSTOMS", "ADMIN"},
}
# fmt: on


def _events() -> list[cpb.CanonicalEvent]:
    def order(sid: str, platform: str, no: str, **kw: Any) -> cpb.CanonicalEvent:
        status = "SHIPPED" if kw.get("waybill_no") else "PAID"
        return order_event(
            sid,
            platform_code=platform,
            order_no=no,
            status=status,
            occurred_at=T0,
            buyer=f"b-{no}",
            actual_paid="777.77",
            **kw,
        )

    def scan(sid: str, carrier: str, waybill: str, **kw: Any) -> cpb.CanonicalEvent:
        return parcel_event(
            sid,
            carrier_id=carrier,
            waybill_no=waybill,
            status="IN_TRANSIT",
            occurred_at=T0 + timedelta(hours=1),
            location=f"LOC-{waybill}",
            **kw,
        )

    def declare(sid: str, agent: str, message: str, cop: str, **kw: Any) -> cpb.CanonicalEvent:
        return customs_event(
            sid,
            declarant=agent,
            message_type=message,
            cop_no=cop,
            occurred_at=T0 + timedelta(hours=2),
            **kw,
        )

    return [
        order("o1", "TMALL", "CL-O1", carrier_id="SF", waybill_no="CLW1"),
        scan("p1", "SF", "CLW1"),
        order("o2", "TMALL", "CL-O2", carrier_id="SF", waybill_no="CLW2"),
        scan("p2", "SF", "CLW2", platform_code="TMALL", order_no="CL-O2"),
        order("o3", "JD", "CL-J3"),
        scan("p3", "SF", "CLW3", platform_code="JD", order_no="CL-J3"),
        order("o4", "JD", "CL-J4", carrier_id="ZTO", waybill_no="CLW4"),
        scan("p4", "ZTO", "CLW4", platform_code="JD", order_no="CL-J4"),
        order("o5", "TMALL", "CL-O5"),
        declare("d5", "JNAGENT", "CEB311", "CL-D5", order_no="CL-O5", ebp_code=TMALL_EBP),
        scan("p6", "ZTO", "CLW6"),
        declare(
            "d6", "JNAGENT", "CEB511", "CL-D6", logistics_code=ZTO_LOGISTICS, logistics_no="CLW6"
        ),
        order("o7", "TMALL", "CL-O7", carrier_id="SF", waybill_no="CLW7"),
        scan("p7", "SF", "CLW7", platform_code="TMALL", order_no="CL-O7"),
        declare(
            "d7",
            "AGENT2",
            "CEB621",
            "CL-D7",
            order_no="CL-O7",
            ebp_code=TMALL_EBP,
            logistics_code=SF_LOGISTICS,
            logistics_no="CLW7",
        ),
        declare(
            "d8",
            "JNAGENT",
            "CEB621",
            "CL-D8",
            order_no="CL-NONE",
            ebp_code=TMALL_EBP,
            logistics_code=SF_LOGISTICS,
            logistics_no="CLWNONE",
        ),
    ]


@pytest.fixture
async def claims(ledger_pool: asyncpg.Pool, ledger_api: Api) -> dict[str, str]:
    """The scenarios in the ledger, a second agent's key, and each declaration's path."""
    _, issued = await create_partner(
        ledger_pool,
        code="AGENT2",
        role=Role.CUSTOMS_AGENT,
        name="Second agent",
        customs_code=CUSTOMS_OF["AGENT2"],
        clock=FixedClock(NOW),
    )
    ledger_api.keys["AGENT2"] = issued.api_key
    await _append(ledger_pool, _events())
    rows = await ledger_pool.fetch("SELECT cop_no, declaration_id FROM declarations")
    return {
        f"customs:{r['cop_no']}": f"/v1/customs/declarations/{r['declaration_id']}" for r in rows
    }


def _path(obj: str, declarations: dict[str, str]) -> str:
    kind, _, key = obj.partition(":")
    if kind == "customs":
        return declarations[obj]
    return f"/v1/{kind}s/{key}"


def _principal(code: str) -> Principal:
    return Principal(code, ROLE_OF[code], code, CUSTOMS_OF.get(code))


def _label(event: dict[str, Any]) -> str:
    if event["kind"] == "order":
        return f"order:{event['platform_code']}/{event['order_no']}"
    if event["kind"] == "parcel":
        return f"parcel:{event['carrier_id']}/{event['waybill_no']}"
    return f"customs:{event['cop_no']}"


async def test_every_reader_gets_exactly_what_the_owners_shared(
    ledger_api: Api, claims: dict[str, str]
) -> None:
    wrong = {}
    for obj, readers in READERS.items():
        for reader in ALL:
            want = 403 if ROLE_OF[reader] is Role.ANALYST else 200 if reader in readers else 404
            got = (await ledger_api.get(_path(obj, claims), reader)).status_code
            if got != want:
                wrong[obj, reader] = f"expected {want}, got {got}"
    assert not wrong, wrong


async def test_each_feed_carries_exactly_the_objects_its_partner_may_read(
    ledger_pool: asyncpg.Pool, claims: dict[str, str]
) -> None:
    source = LedgerEventSource()
    wrong = {}
    for reader in ALL:
        principal = _principal(reader)
        async with ledger_pool.acquire() as conn:
            head = await source.head(conn)
            events = await source.fetch(
                conn, principal, kinds=KINDS, after_seq=0, upto_seq=head, limit=10_000
            )
        got = {_label(e.data) for e in events}
        want = {o for o, readers in READERS.items() if reader in readers}
        if principal.role is Role.CUSTOMS_LIAISON:  # its feed: declarations only
            want = {o for o in want if o.startswith("customs:")}
        if got != want:
            wrong[reader] = f"missing {sorted(want - got)}, extra {sorted(got - want)}"
    assert not wrong, wrong


def _link(order: str, parcel: str, by: list[str], *, revealed: bool) -> dict[str, Any]:
    platform, order_no = order.split("/")
    carrier, waybill = parcel.split("/")
    return {
        "platform_code": platform,
        "order_no": order_no,
        "carrier_id": carrier,
        "waybill_no": waybill,
        "asserted_by": by,
        "confirmed": by == ["order", "parcel"],
        "revealed": revealed,
    }


async def _view(api: Api, path: str, reader: str) -> tuple[dict[str, Any], str]:
    response = await api.get(path, reader)
    assert response.status_code == 200, (path, reader, response.text)
    return response.json(), response.text


async def test_a_one_sided_order_claim_shows_to_its_claimant_as_unconfirmed(
    ledger_api: Api, claims: dict[str, str]
) -> None:
    view, text = await _view(ledger_api, "/v1/orders/TMALL/CL-O1", "TMALL")
    assert view["links"] == [_link("TMALL/CL-O1", "SF/CLW1", ["order"], revealed=False)]
    assert view["parcels"] == []
    assert {e["kind"] for e in view["timeline"]} == {"order"}
    assert "LOC-CLW1" not in text  # nothing of the parcel it named
    # The carrier it named reads the order (its owner shared it) but not as confirmed.
    view, _ = await _view(ledger_api, "/v1/orders/TMALL/CL-O1", "SF")
    assert view["links"] == [_link("TMALL/CL-O1", "SF/CLW1", ["order"], revealed=True)]
    assert [(p["waybill_no"], p["confirmed"], p["asserted_by"]) for p in view["parcels"]] == [
        ("CLW1", False, ["order"])
    ]
    assert view["consignment"]["parcel_statuses"] == {}
    assert {e["kind"] for e in view["timeline"]} == {"order"}
    view, _ = await _view(ledger_api, "/v1/parcels/SF/CLW1", "SF")
    assert [(o["order_no"], o["confirmed"], o["asserted_by"]) for o in view["orders"]] == [
        ("CL-O1", False, ["order"])
    ]


async def test_a_one_sided_parcel_claim_reveals_nothing_of_the_order(
    ledger_api: Api, claims: dict[str, str]
) -> None:
    view, text = await _view(ledger_api, "/v1/parcels/SF/CLW3", "SF")
    assert view["orders"] == []
    assert view["links"] == [_link("JD/CL-J3", "SF/CLW3", ["parcel"], revealed=False)]
    assert "777.77" not in text
    assert "张*" not in text
    # The victim sees the claimant's parcel, never as a confirmed part of its order.
    view, _ = await _view(ledger_api, "/v1/orders/JD/CL-J3", "JD")
    assert view["links"] == [_link("JD/CL-J3", "SF/CLW3", ["parcel"], revealed=True)]
    assert [(p["waybill_no"], p["confirmed"]) for p in view["parcels"]] == [("CLW3", False)]
    assert view["consignment"]["parcel_statuses"] == {}
    assert {e["kind"] for e in view["timeline"]} == {"order"}


@pytest.mark.parametrize(
    ("order", "parcel"), [("TMALL/CL-O2", "SF/CLW2"), ("JD/CL-J4", "ZTO/CLW4")]
)
async def test_a_two_sided_link_is_confirmed_on_both_sides(
    ledger_api: Api, claims: dict[str, str], order: str, parcel: str
) -> None:
    link = _link(order, parcel, ["order", "parcel"], revealed=True)
    for reader in (order.partition("/")[0], parcel.partition("/")[0], "ADMIN"):
        view, _ = await _view(ledger_api, f"/v1/orders/{order}", reader)
        assert view["links"] == [link]
        assert [(p["waybill_no"], p["confirmed"]) for p in view["parcels"]] == [
            (parcel.split("/")[1], True)
        ]
        assert view["consignment"]["parcel_statuses"] == {parcel: "IN_TRANSIT"}
        assert {e["kind"] for e in view["timeline"]} == {"order", "parcel"}
        view, _ = await _view(ledger_api, f"/v1/parcels/{parcel}", reader)
        assert view["links"] == [link]
        assert [(o["order_no"], o["confirmed"]) for o in view["orders"]] == [
            (order.split("/")[1], True)
        ]


async def test_a_declaration_reveals_no_order_or_parcel_to_its_declarant(
    ledger_api: Api, claims: dict[str, str]
) -> None:
    for cop, agent in (("CL-D5", "JNAGENT"), ("CL-D6", "JNAGENT"), ("CL-D7", "AGENT2")):
        view, text = await _view(ledger_api, claims[f"customs:{cop}"], agent)
        assert view["order"] is None
        assert view["parcels"] == []
        assert "LOC-" not in text
    # The owners see the declarations that name their objects, confirmed: theirs exist.
    view, _ = await _view(ledger_api, "/v1/orders/TMALL/CL-O5", "TMALL")
    assert [(d["cop_no"], d["confirmed"]) for d in view["declarations"]] == [("CL-D5", True)]
    view, _ = await _view(ledger_api, "/v1/parcels/ZTO/CLW6", "ZTO")
    assert [(d["cop_no"], d["confirmed"]) for d in view["customs"]] == [("CL-D6", True)]
    for reader in ("TMALL", "SF", "QCCUSTOMS"):
        view, _ = await _view(ledger_api, "/v1/orders/TMALL/CL-O7", reader)
        assert [(d["cop_no"], d["confirmed"]) for d in view["declarations"]] == [("CL-D7", True)]
        assert [(p["waybill_no"], p["confirmed"]) for p in view["parcels"]] == [("CLW7", True)]


async def test_a_declaration_is_confirmed_only_where_the_named_object_is_the_readers(
    ledger_pool: asyncpg.Pool, claims: dict[str, str]
) -> None:
    want = {
        # the declarant never learns whether what it named exists (no oracle)
        "JNAGENT": {"CL-D5": False, "CL-D6": False, "CL-D8": False},
        "AGENT2": {"CL-D7": False},
        "TMALL": {"CL-D5": True, "CL-D7": True, "CL-D8": False},
        "SF": {"CL-D7": True, "CL-D8": False},
        "ZTO": {"CL-D6": True},
        "ADMIN": {"CL-D5": True, "CL-D6": True, "CL-D7": True, "CL-D8": False},
    }
    for reader, expected in want.items():
        params = Params()
        confirmed = declaration_confirmed(_principal(reader), "d", params)
        rows = await ledger_pool.fetch(
            f"SELECT d.cop_no, {confirmed} AS confirmed FROM declarations d "  # noqa: S608 - a read.visibility fragment
            f"WHERE d.cop_no = ANY({params.add(list(expected))}::text[])",
            *params.values,
        )
        assert {r["cop_no"]: r["confirmed"] for r in rows} == expected, reader


async def test_the_declaration_routes_say_whether_the_claim_is_confirmed_to_the_reader(
    ledger_pool: asyncpg.Pool, ledger_api: Api, claims: dict[str, str]
) -> None:
    # CL-D9 names TMALL (its ebp code) with an order number that exists, but is JD's.
    await _append(
        ledger_pool,
        [
            customs_event(
                "d9",
                declarant="JNAGENT",
                message_type="CEB311",
                cop_no="CL-D9",
                occurred_at=T0 + timedelta(hours=3),
                order_no="CL-J3",
                ebp_code=TMALL_EBP,
            ),
        ],
    )
    want = {
        # the declarant reads false whether or not what it named exists: not its to learn
        "JNAGENT": {"CL-D5": False, "CL-D6": False, "CL-D8": False, "CL-D9": False},
        "AGENT2": {"CL-D7": False},
        "TMALL": {"CL-D5": True, "CL-D7": True, "CL-D8": False, "CL-D9": False},
        "JD": {},
        "SF": {"CL-D7": True, "CL-D8": False},
        "ZTO": {"CL-D6": True},
        # entitled: an order or parcel it names exists (TMALL's CL-J3 does not)
        "QCCUSTOMS": {"CL-D5": True, "CL-D6": True, "CL-D7": True, "CL-D8": False, "CL-D9": False},
        "ADMIN": {"CL-D5": True, "CL-D6": True, "CL-D7": True, "CL-D8": False, "CL-D9": False},
    }
    for reader, expected in want.items():
        page, _ = await _view(ledger_api, "/v1/customs/declarations", reader)
        assert {d["cop_no"]: d["confirmed"] for d in page["items"]} == expected, reader
        for item in page["items"]:
            detail, _ = await _view(ledger_api, f"/v1/customs/declarations/{item['id']}", reader)
            assert detail["confirmed"] is expected[item["cop_no"]], (reader, item["cop_no"])

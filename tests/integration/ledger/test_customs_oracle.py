"""No oracle in a declaration's view (issue 16, defects 2 and 9), on the real PostgreSQL.

A second customs agent that files its own documents for another agent's order must learn
nothing of that agent's declarations: not their ids, statuses or amounts, not whether a
payer ID it guesses agrees with the buyer on them, and not the buyer's yearly import total
(which sums every platform's orders of that buyer). Only the entitled roles (customs
liaison, admin) see the yearly figures. Money reads the same in Python and in SQL, so an
amount in fullwidth digits counts towards the yearly quota.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_scenarios import T0
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import customs_event, order_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Role, create_partner
from quanhub.common.clock import FixedClock
from quanhub.ledger.read.customs import money_sql
from quanhub.ledger.read.documents import decimal

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
ORDER_NO = "TM-ORACLE-1"
LINK = {"order_no": ORDER_NO, "ebp_code": "3701PT0001"}
#: A second customs agent, besides the fixtures' JNAGENT.
INTRUDER = "QDAGENT"
_TOPICS = itertools.count()
_M = timedelta(minutes=1)


def fullwidth(text: str) -> str:
    """`text` with its ASCII characters in their fullwidth forms (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def _write(pool: asyncpg.Pool, events: list[cpb.CanonicalEvent]) -> None:
    """Append and project the events in one batch, each batch from a topic of its own."""
    await append_and_project(pool, events, now=NOW, topic=f"t{next(_TOPICS)}")


async def _add_intruder(pool: asyncpg.Pool, api: Api) -> None:
    _, issued = await create_partner(
        pool,
        code=INTRUDER,
        role=Role.CUSTOMS_AGENT,
        name="Qingdao agent",
        customs_code="3702AG0009",
        clock=FixedClock(NOW),
    )
    api.keys[INTRUDER] = issued.api_key


async def _ids(api: Api, partner: str, document: str) -> list[str]:
    page = await api.get(f"/v1/customs/declarations?document={document}", partner)
    assert page.status_code == 200, page.text
    return [item["id"] for item in page.json()["items"]]


async def _view(api: Api, partner: str, declaration_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/customs/declarations/{declaration_id}", partner)
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def _checks(view: dict[str, Any]) -> dict[str, str]:
    return {c["rule"]: c["result"] for c in view["three_documents"]["checks"]}


def _present(view: dict[str, Any]) -> dict[str, str | None]:
    return {
        d["document"]: d["declaration_id"]
        for d in view["three_documents"]["documents"]
        if d["present"]
    }


def _real_documents() -> list[cpb.CanonicalEvent]:
    """JNAGENT's order (CEB311) and inventory (CEB621) of the order, buyer b-real, both
    accepted by customs."""
    return [
        customs_event(
            "ora-ord",
            declarant="JNAGENT",
            message_type="CEB311",
            cop_no="ORA-ORD",
            occurred_at=T0,
            buyer="b-real",
            actual_paid="499.00",
            **LINK,
        ),
        customs_event(
            "ora-ord-r",
            declarant="JNAGENT",
            message_type="CEB312",
            cop_no="ORA-ORD",
            occurred_at=T0 + _M,
            status="ACCEPTED",
            return_status="120",
            return_time=T0 + _M,
            **LINK,
        ),
        customs_event(
            "ora-inv",
            declarant="JNAGENT",
            message_type="CEB621",
            cop_no="ORA-INV",
            occurred_at=T0 + 2 * _M,
            buyer="b-real",
            actual_paid="499.00",
            **LINK,
        ),
    ]


async def test_another_agents_declarations_of_the_order_are_not_shown(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _add_intruder(ledger_pool, ledger_api)
    own_pay = customs_event(
        "ora-own-pay",
        declarant="JNAGENT",
        message_type="CEB411",
        cop_no="ORA-PAY",
        occurred_at=T0 + 3 * _M,
        buyer="b-real",
        actual_paid="499.00",
        **LINK,
    )
    # The intruder's payment is the newer one: it must not stand in for JNAGENT's.
    pay = customs_event(
        "ora-pay",
        declarant=INTRUDER,
        message_type="CEB411",
        cop_no="Q-PAY-1",
        occurred_at=T0 + 4 * _M,
        buyer="b-guess",
        actual_paid="499.00",
        **LINK,
    )
    await _write(ledger_pool, [*_real_documents(), own_pay, pay])
    [order_id] = await _ids(ledger_api, "JNAGENT", "ORDER")
    [inventory_id] = await _ids(ledger_api, "JNAGENT", "INVENTORY")
    [own_payment_id] = await _ids(ledger_api, "JNAGENT", "PAYMENT")
    [payment_id] = await _ids(ledger_api, INTRUDER, "PAYMENT")

    view = await _view(ledger_api, INTRUDER, payment_id)
    # Only its own payment takes part; JNAGENT's order and inventory are neither listed
    # nor compared, and their ids, statuses and amounts appear nowhere in the answer.
    assert _present(view) == {"payment": payment_id}
    assert view["three_documents"]["missing"] == ["order", "waybill", "inventory"]
    assert _checks(view)["amount"] == "unknown"
    assert _checks(view)["buyer_payer"] == "unknown"
    assert view["limits"]["order_amount"] is None
    for other in (order_id, inventory_id, own_payment_id):
        assert other not in str(view)
    # JNAGENT's own view matches its own payment, not the intruder's newer one.
    own = await _view(ledger_api, "JNAGENT", order_id)
    assert _present(own) == {
        "order": order_id,
        "payment": own_payment_id,
        "inventory": inventory_id,
    }
    assert _checks(own)["buyer_payer"] == "agree"
    assert payment_id not in str(own)
    # The customs authority sees the whole consignment: two declarants' payments, a
    # conflict (agree with JNAGENT's, disagree with the intruder's), neither taken.
    liaison = await _view(ledger_api, "QCCUSTOMS", payment_id)
    assert _present(liaison) == {"order": order_id, "payment": None, "inventory": inventory_id}
    [payments] = [d for d in liaison["three_documents"]["documents"] if d["conflict"]]
    assert {f["declaration_id"] for f in payments["filings"]} == {own_payment_id, payment_id}
    assert _checks(liaison)["buyer_payer"] == "conflict"


async def test_another_agents_documents_of_the_shipment_are_not_shown(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    # Siblings by shipment (logistics code + number) rather than by order: the intruder's
    # waybill names only JNAGENT's logistics keys.
    await _add_intruder(ledger_pool, ledger_api)
    shipment = {"logistics_code": "3701LG0001", "logistics_no": "SFORACLE0001"}
    await _write(
        ledger_pool,
        [
            customs_event(
                "sh-inv",
                declarant="JNAGENT",
                message_type="CEB621",
                cop_no="SH-INV",
                occurred_at=T0,
                buyer="b-real",
                actual_paid="499.00",
                **LINK,
                **shipment,
            ),
            customs_event(
                "sh-wb",
                declarant=INTRUDER,
                message_type="CEB511",
                cop_no="Q-SH-WB",
                occurred_at=T0 + _M,
                buyer="b-guess",
                **shipment,
            ),
        ],
    )
    [inventory_id] = await _ids(ledger_api, "JNAGENT", "INVENTORY")
    [waybill_id] = await _ids(ledger_api, INTRUDER, "WAYBILL")
    view = await _view(ledger_api, INTRUDER, waybill_id)
    assert _present(view) == {"waybill": waybill_id}
    assert inventory_id not in str(view)
    own = await _view(ledger_api, "JNAGENT", inventory_id)
    assert _present(own) == {"inventory": inventory_id}
    liaison = await _view(ledger_api, "QCCUSTOMS", waybill_id)
    assert _present(liaison) == {"waybill": waybill_id, "inventory": inventory_id}


async def test_another_agents_declaration_reads_exactly_like_none(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _add_intruder(ledger_pool, ledger_api)
    await _write(ledger_pool, _real_documents())
    [order_id] = await _ids(ledger_api, "JNAGENT", "ORDER")
    missing = str(uuid.uuid4())
    answers = []
    for ident in (order_id, missing):
        response = await ledger_api.get(f"/v1/customs/declarations/{ident}", INTRUDER)
        answers.append((response.status_code, response.text.replace(ident, "<id>")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    for document in ("ORDER", "INVENTORY", "PAYMENT"):
        assert await _ids(ledger_api, INTRUDER, document) == []


@pytest.mark.parametrize("platform_order", [False, True], ids=["customs-only", "with-order"])
async def test_payer_id_guesses_learn_nothing(
    ledger_pool: asyncpg.Pool, ledger_api: Api, *, platform_order: bool
) -> None:
    await _add_intruder(ledger_pool, ledger_api)
    events = _real_documents()
    if platform_order:
        # The platform's own order of buyer b-real: the intruder may not read it, so it
        # takes no part in the intruder's match either.
        events.append(
            order_event(
                "ora-o",
                platform_code="TMALL",
                order_no=ORDER_NO,
                status="PAID",
                occurred_at=T0,
                trade_mode="1210",
                ie_flag="I",
                buyer="b-real",
                actual_paid="499.00",
            )
        )
    await _write(ledger_pool, events)
    seen = []
    # One payment per guess, each read back at once (the latest payment is the one matched).
    for n, guess in enumerate(("b-guess-1", "b-guess-2", "b-real")):
        at = T0 + (10 + n) * _M
        pay = customs_event(
            f"ora-g{n}",
            declarant=INTRUDER,
            message_type="CEB411",
            cop_no=f"Q-G-{n}",
            occurred_at=at,
            buyer=guess,
            actual_paid="499.00",
            **LINK,
        )
        await _write(ledger_pool, [pay])
        newest = (await _ids(ledger_api, INTRUDER, "PAYMENT"))[0]
        view = await _view(ledger_api, INTRUDER, newest)
        seen.append((_checks(view), view["three_documents"]["missing"], view["limits"]))
    assert seen[0][0]["buyer_payer"] == "unknown"
    assert seen[0] == seen[1] == seen[2]


async def _yearly_orders(pool: asyncpg.Pool) -> None:
    """Two TMALL import orders of buyer b-real this year, CNY 30,000 in all."""
    order = {"platform_code": "TMALL", "trade_mode": "1210", "ie_flag": "I", "buyer": "b-real"}
    await _write(
        pool,
        [
            order_event(
                "y1",
                status="PAID",
                occurred_at=T0,
                order_no="TM-Y-1",
                actual_paid="14000.00",
                **order,
            ),
            order_event(
                "y2",
                status="PAID",
                occurred_at=T0 + _M,
                order_no="TM-Y-2",
                actual_paid="16000.00",
                **order,
            ),
        ],
    )


async def test_the_buyers_yearly_total_is_for_entitled_roles_only(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _add_intruder(ledger_pool, ledger_api)
    await _yearly_orders(ledger_pool)
    # The intruder files an order document for an order it invents, naming a buyer whose
    # ID it guesses (the token is what the gateway would make of that ID), then one with a
    # buyer who has bought nothing: both views must read the same.
    limits = []
    for n, guess in enumerate(("b-real", "b-nobody")):
        await _write(
            ledger_pool,
            [
                customs_event(
                    f"yq{n}",
                    declarant=INTRUDER,
                    message_type="CEB311",
                    cop_no=f"Q-Y-{n}",
                    occurred_at=T0 + (5 + n) * _M,
                    order_no=f"TM-FAKE-{n}",
                    ebp_code="3701PT0001",
                    buyer=guess,
                    actual_paid="100.00",
                ),
            ],
        )
        newest = (await _ids(ledger_api, INTRUDER, "ORDER"))[0]
        limits.append((await _view(ledger_api, INTRUDER, newest))["limits"])
    assert limits[0] == limits[1]
    withheld = {"buyer_year_total": None, "buyer_year_orders": None, "exceeds_annual_limit": None}
    assert {k: limits[0][k] for k in withheld} == withheld
    assert limits[0]["order_amount"] == "100.00"  # its own document's figures stay
    # The platform the declaration names does not see other platforms' totals either.
    platform = await ledger_api.get(f"/v1/customs/declarations/{newest}", "TMALL")
    assert platform.status_code == 200, platform.text
    assert {k: platform.json()["limits"][k] for k in withheld} == withheld
    # The customs authority and the admin do.
    first = (await _ids(ledger_api, INTRUDER, "ORDER"))[-1]
    for entitled in ("QCCUSTOMS", "ADMIN"):
        figures = (await _view(ledger_api, entitled, first))["limits"]
        assert figures["buyer_year_total"] == "30000.00"
        assert figures["buyer_year_orders"] == 2
        assert figures["exceeds_annual_limit"] is True


async def _inventory_view(pool: asyncpg.Pool, api: Api, buyer: str) -> dict[str, Any]:
    await _write(
        pool,
        [
            customs_event(
                f"fw-{buyer}",
                declarant="JNAGENT",
                message_type="CEB621",
                cop_no=f"FW-{buyer}",
                occurred_at=T0 + 9 * _M,
                order_no=f"FW-{buyer}",
                ebp_code="3701PT0001",
                buyer=buyer,
                actual_paid="100.00",
            ),
        ],
    )
    [ident] = await _ids(api, "QCCUSTOMS", "INVENTORY")
    return await _view(api, "QCCUSTOMS", ident)


async def test_a_fullwidth_amount_counts_towards_the_yearly_quota(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    # Ingest refuses such money; the ledger still reads it as Python does, should one
    # reach it (an older event, a replay): CNY 30,000 in fullwidth digits.
    order = {"platform_code": "TMALL", "trade_mode": "1210", "ie_flag": "I", "buyer": "b-fw"}
    await _write(
        ledger_pool,
        [
            order_event(
                "fw1",
                status="PAID",
                occurred_at=T0,
                order_no="TM-FW-1",
                actual_paid=fullwidth("30000") + ".00",
                **order,
            ),
        ],
    )
    limits = (await _inventory_view(ledger_pool, ledger_api, "b-fw"))["limits"]
    assert limits["buyer_year_total"] == "30000.00"
    assert limits["buyer_year_orders"] == 1
    assert limits["exceeds_annual_limit"] is True


async def test_an_amount_the_ledger_cannot_read_leaves_the_yearly_flag_unknown(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    # Arabic-Indic digits: Python's Decimal reads 30000, the ledger's money grammar does
    # not; the quota must not answer "not exceeded" over an amount it could not read.
    # Nor over one stored as a JSON number (no event makes one; a row written otherwise).
    order = {"platform_code": "TMALL", "trade_mode": "1210", "ie_flag": "I", "buyer": "b-ar"}
    await _write(
        ledger_pool,
        [
            order_event(
                "ar1",
                status="PAID",
                occurred_at=T0,
                order_no="TM-AR-1",
                actual_paid="\u0663\u0660\u0660\u0660\u0660",
                **order,
            ),
            order_event(
                "ar2",
                status="PAID",
                occurred_at=T0,
                order_no="TM-AR-2",
                actual_paid="1.00",
                **order,
            ),
        ],
    )
    await ledger_pool.execute(
        "UPDATE orders SET detail = jsonb_set(detail, '{amounts,actual_paid}', '30000') "
        "WHERE order_no = 'TM-AR-2'"
    )
    limits = (await _inventory_view(ledger_pool, ledger_api, "b-ar"))["limits"]
    assert limits["buyer_year_orders"] == 2
    assert limits["buyer_year_total"] == "0.00"
    assert limits["buyer_year_unreadable"] == 2
    assert limits["exceeds_annual_limit"] is None


_MONEYISH = st.text(
    alphabet="0123456789.-+eE_ ,\nNna" + fullwidth("0129.-") + "\u0663\u0966", max_size=12
)
_ODD_MONEY = [
    fullwidth("30000") + ".00",
    "30000.00",
    "NaN",
    "1e5",
    " 1",
    "1_000",
    "-0.5",
    "\u0661\u0660",
    "12.",
    ".5",
    "",
    "1\n",
    "0" * 21,
    "1." + "0" * 11,
    "\u22121",
    "+1",
]


def _money_texts() -> list[str]:
    """Odd money strings, drawn once (the comparison is one statement)."""
    drawn: list[str] = []

    @given(text=_MONEYISH)
    @settings(
        max_examples=2000,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def draw(text: str) -> None:
        drawn.append(text)

    draw()
    return [*_ODD_MONEY, *drawn]


async def test_python_and_sql_read_money_alike(ledger_pool: asyncpg.Pool) -> None:
    texts = _money_texts()
    async with ledger_pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT {money_sql('v.t')} AS amount FROM unnest($1::text[]) "  # noqa: S608 - money_sql of an alias
            "WITH ORDINALITY v(t, n) ORDER BY v.n",
            texts,
        )
    read = {t: r["amount"] for t, r in zip(texts, rows, strict=True)}
    assert read == {t: decimal(t) for t in texts}
    assert read[fullwidth("30000") + ".00"] == Decimal("30000.00")


#: A rogue's document of each kind, and the rules it takes part in (besides all_accepted).
_ROGUE_KINDS = {
    "CEB311": ("order", ("buyer_payer", "consignee")),
    "CEB411": ("payment", ("buyer_payer",)),
    "CEB511": ("waybill", ("consignee",)),
}


def _consignment(odd: str, odd_buyer: str) -> list[cpb.CanonicalEvent]:
    """JNAGENT's four documents of the order, buyer b-real, except its `odd` message type
    naming `odd_buyer`; none accepted yet."""
    return [
        customs_event(
            f"cf-{message}",
            declarant="JNAGENT",
            message_type=message,
            cop_no=f"CF-{message}",
            occurred_at=T0 + n * _M,
            actual_paid="499.00",
            buyer=odd_buyer if message == odd else "b-real",
            **LINK,
        )
        for n, message in enumerate(("CEB311", "CEB411", "CEB511", "CEB621"))
    ]


def _of(view: dict[str, Any], rules: tuple[str, ...]) -> dict[str, str]:
    return {rule: _checks(view)[rule] for rule in rules}


@pytest.mark.parametrize("real_agrees", [True, False], ids=["agree", "disagree"])
@pytest.mark.parametrize("message", sorted(_ROGUE_KINDS))
async def test_a_rogue_agents_newer_document_does_not_silently_change_the_match(
    ledger_pool: asyncpg.Pool, ledger_api: Api, *, message: str, real_agrees: bool
) -> None:
    # JNAGENT's documents agree (or its `message` document disagrees); the intruder then
    # files a newer document of that kind for the same order saying the opposite. The
    # platform the documents name and the customs authority read both documents: their
    # match must not silently take the newer one (nor the older): the kind is a conflict,
    # each rule it takes part in reads `conflict`, and the consignment is not matched.
    await _add_intruder(ledger_pool, ledger_api)
    kind, rules = _ROGUE_KINDS[message]
    await _write(ledger_pool, _consignment(message, "b-real" if real_agrees else "b-other"))
    real = "agree" if real_agrees else "disagree"
    [inventory_id] = await _ids(ledger_api, "JNAGENT", "INVENTORY")
    [real_doc] = await _ids(ledger_api, "JNAGENT", kind.upper())
    for reader in ("TMALL", "QCCUSTOMS"):
        before = await _view(ledger_api, reader, inventory_id)
        assert _of(before, rules) == dict.fromkeys(rules, real)
    await _write(
        ledger_pool,
        [
            customs_event(
                f"rogue-{message}",
                declarant=INTRUDER,
                message_type=message,
                cop_no=f"Q-{message}",
                occurred_at=T0 + 30 * _M,
                actual_paid="499.00",
                buyer="b-guess" if real_agrees else "b-real",
                **LINK,
            ),
        ],
    )
    [rogue_doc] = await _ids(ledger_api, INTRUDER, kind.upper())
    for reader in ("TMALL", "QCCUSTOMS"):
        for seen_from in (inventory_id, real_doc, rogue_doc):
            view = await _view(ledger_api, reader, seen_from)
            check = view["three_documents"]
            assert _of(view, rules) == dict.fromkeys(rules, "conflict")
            assert check["matched"] is False
            assert check["conflicts"] == [kind]
            [state] = [d for d in check["documents"] if d["document"] == kind]
            assert state["conflict"] is True
            assert state["declaration_id"] is None
            assert {(f["declaration_id"], f["declarant"]) for f in state["filings"]} == {
                (real_doc, "JNAGENT"),
                (rogue_doc, INTRUDER),
            }
    # The declarant reads its own documents only, exactly as before the rogue filed.
    own = await _view(ledger_api, "JNAGENT", inventory_id)
    assert _of(own, rules) == dict.fromkeys(rules, real)
    assert own["three_documents"]["conflicts"] == []
    assert rogue_doc not in str(own)
    # And the rogue learns nothing from the real documents.
    rogue = await _view(ledger_api, INTRUDER, rogue_doc)
    assert _present(rogue) == {kind: rogue_doc}
    assert rogue["three_documents"]["conflicts"] == []
    for other in (inventory_id, real_doc):
        assert other not in str(rogue)


@pytest.mark.parametrize("real_agrees", [True, False], ids=["agree", "disagree"])
async def test_a_rogue_order_document_does_not_silently_replace_the_platforms_order(
    ledger_pool: asyncpg.Pool, ledger_api: Api, *, real_agrees: bool
) -> None:
    # No CEB311 yet: TMALL's own order (buyer b-real) is the order document of JNAGENT's
    # payment. The intruder's CEB311 naming another buyer must not take its place.
    await _add_intruder(ledger_pool, ledger_api)
    payer = "b-real" if real_agrees else "b-other"
    await _write(
        ledger_pool,
        [
            order_event(
                "ho-o",
                platform_code="TMALL",
                order_no=ORDER_NO,
                status="PAID",
                occurred_at=T0,
                trade_mode="1210",
                ie_flag="I",
                buyer="b-real",
                actual_paid="499.00",
            ),
            customs_event(
                "ho-pay",
                declarant="JNAGENT",
                message_type="CEB411",
                cop_no="HO-PAY",
                occurred_at=T0 + _M,
                buyer=payer,
                actual_paid="499.00",
                **LINK,
            ),
        ],
    )
    [payment_id] = await _ids(ledger_api, "JNAGENT", "PAYMENT")
    real = "agree" if real_agrees else "disagree"
    for reader in ("TMALL", "QCCUSTOMS"):
        view = await _view(ledger_api, reader, payment_id)
        assert _checks(view)["buyer_payer"] == real
        assert view["three_documents"]["documents"][0]["source"] == "hub_order"
    await _write(
        ledger_pool,
        [
            customs_event(
                "ho-rogue",
                declarant=INTRUDER,
                message_type="CEB311",
                cop_no="Q-HO",
                occurred_at=T0 + 5 * _M,
                actual_paid="499.00",
                buyer="b-guess" if real_agrees else "b-other",
                **LINK,
            ),
        ],
    )
    [rogue_id] = await _ids(ledger_api, INTRUDER, "ORDER")
    for reader in ("TMALL", "QCCUSTOMS"):
        for seen_from in (payment_id, rogue_id):
            check = (await _view(ledger_api, reader, seen_from))["three_documents"]
            assert {c["rule"]: c["result"] for c in check["checks"]}["buyer_payer"] == "conflict"
            assert (check["conflicts"], check["matched"]) == (["order"], False)
            assert {
                (f["source"], f["declaration_id"], f["declarant"])
                for f in check["documents"][0]["filings"]
            } == {("hub_order", None, "TMALL"), ("customs", rogue_id, INTRUDER)}
    # The intruder reads no order: its match has its own document only.
    rogue = await _view(ledger_api, INTRUDER, rogue_id)
    assert _present(rogue) == {"order": rogue_id}
    assert rogue["three_documents"]["conflicts"] == []
    assert payment_id not in str(rogue)

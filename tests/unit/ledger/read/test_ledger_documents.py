"""The three-document match and the import limit inputs (pure rules)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from quanhub.ledger.read.documents import (
    Document,
    DocumentName,
    Documents,
    buyer_token,
    decimal,
    order_amount,
    three_document_check,
)


def _party(token: str) -> dict[str, str]:
    return {f"{f}_token": f"t1:{f}-{token}" for f in ("id", "name", "telephone", "address")}


def fullwidth(text: str) -> str:
    """`text` with its ASCII characters in their fullwidth forms (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


LINES = [{"gnum": 1, "item_no": "A", "quantity": 2, "total_price": "10.00"}]


def _docs(**changes: object) -> Documents:
    docs = Documents(
        order=Document(
            "customs",
            {
                "amounts": {"actual_paid": "10.00"},
                "buyer": _party("b"),
                "consignee": _party("c"),
                "lines": LINES,
            },
            uuid.uuid4(),
            "ACCEPTED",
        ),
        payment=Document(
            "customs",
            {"amounts": {"actual_paid": "10.0"}, "payer": _party("b")},
            uuid.uuid4(),
            "ACCEPTED",
        ),
        waybill=Document("customs", {"consignee": _party("c")}, uuid.uuid4(), "ACCEPTED"),
        inventory=Document(
            "customs", {"lines": LINES, "buyer": _party("b")}, uuid.uuid4(), "RELEASED"
        ),
    )
    for name, value in changes.items():
        setattr(docs, name, value)
    return docs


def _results(docs: Documents) -> dict[str, str]:
    return {c.rule: c.result for c in three_document_check(docs).checks}


def test_four_agreeing_accepted_documents_match() -> None:
    check = three_document_check(_docs())
    assert check.missing == []
    assert set(_results(_docs()).values()) == {"agree"}
    assert check.matched is True


def test_amounts_compare_as_decimals_and_disagreement_is_reported() -> None:
    payment = Document("customs", {"amounts": {"actual_paid": "9.99"}, "payer": _party("b")})
    results = _results(_docs(payment=payment))
    assert results["amount"] == "disagree"
    assert three_document_check(_docs(payment=payment)).matched is False


def test_people_are_compared_by_token() -> None:
    waybill = Document("customs", {"consignee": _party("someone-else")}, None, "ACCEPTED")
    payment = Document("customs", {"amounts": {"actual_paid": "10"}, "payer": _party("x")})
    results = _results(_docs(waybill=waybill, payment=payment))
    assert (results["consignee"], results["buyer_payer"]) == ("disagree", "disagree")


def test_lines_must_pair_by_gnum() -> None:
    extra = [*LINES, {"gnum": 2, "item_no": "B", "quantity": 1, "total_price": "1.00"}]
    inventory = Document("customs", {"lines": extra}, None, "RELEASED")
    check = {c.rule: c for c in three_document_check(_docs(inventory=inventory)).checks}
    assert check["lines"].result == "disagree"
    assert "[2]" in check["lines"].detail


def test_missing_documents_are_listed_and_their_rules_unknown() -> None:
    docs = _docs(payment=None, waybill=None)
    check = three_document_check(docs)
    assert check.missing == ["payment", "waybill"]
    results = _results(docs)
    assert (results["amount"], results["consignee"]) == ("unknown", "unknown")
    assert check.matched is False


def test_a_document_not_yet_accepted_fails_all_accepted() -> None:
    waybill = Document("customs", {"consignee": _party("c")}, None, "SENT_TO_CUSTOMS")
    assert _results(_docs(waybill=waybill))["all_accepted"] == "disagree"


def test_hub_order_stands_in_for_a_missing_customs_order() -> None:
    hub = Document("hub_order", {"amounts": {"actual_paid": "10.00"}, "buyer": _party("b")})
    state = three_document_check(_docs(order=hub)).documents[0]
    assert (state.present, state.source, state.accepted) == (True, "hub_order", None)


def test_limit_inputs_come_from_the_order_then_the_inventory() -> None:
    assert order_amount(_docs()) == Decimal("10.00")
    inventory = Document("customs", {"amounts": {"goods_value": "6000"}, "buyer": _party("z")})
    docs = _docs(order=None, inventory=inventory)
    assert order_amount(docs) == Decimal("6000")
    assert buyer_token(docs) == "t1:id_token-z".replace("id_token", "id")


def test_money_is_an_ascii_decimal_after_fullwidth_forms_are_mapped() -> None:
    # The grammar money_sql applies in PostgreSQL (tests/integration/ledger/
    # test_customs_oracle.py compares the two on the real server).
    assert decimal(fullwidth("30000") + ".00") == Decimal("30000.00")
    assert decimal(fullwidth("-1.5")) == Decimal("-1.5")
    assert decimal("499.00") == Decimal("499.00")
    # Decimal alone reads all of these; SQL's total cannot, so neither may Python.
    arabic_indic, devanagari = "\u0661\u0660", "\u0967\u0966"
    for text in (
        "NaN",
        "Infinity",
        "1e5",
        " 1",
        "1 ",
        "1_000",
        arabic_indic,
        devanagari,
        "1\n",
        "+1",
        "",
        ".5",
        "1.",
        "0" * 21,
        10,
        1.5,
        None,
    ):
        assert decimal(text) is None, text


def test_a_nan_amount_is_no_amount_rather_than_an_error() -> None:
    nan = Document("customs", {"amounts": {"actual_paid": "NaN"}, "buyer": _party("b")})
    docs = _docs(order=nan)
    assert order_amount(docs) is None
    assert _results(docs)["amount"] == "unknown"


def _filed(declarant: str, content: dict[str, Any], status: str = "ACCEPTED") -> Document:
    return Document("customs", content, uuid.uuid4(), status, declarant)


def _with_rival(name: DocumentName, rival: Document) -> Documents:
    """_docs() with the one document `name`, then `rival` of another declarant."""
    docs = _docs()
    own = docs.get(name)
    assert own is not None
    setattr(docs, name, None)
    docs.add(name, own)
    docs.add(name, rival)
    return docs


def test_a_rival_document_that_changes_a_rule_makes_it_a_conflict() -> None:
    # The payments differ on the payer: agree with one, disagree with the other, so the
    # rule reads neither; the same for the flip (a rival that agrees where ours does not).
    rival = _filed("ROGUE", {"amounts": {"actual_paid": "10.00"}, "payer": _party("x")})
    check = three_document_check(_with_rival("payment", rival))
    results = {c.rule: c.result for c in check.checks}
    assert results["buyer_payer"] == "conflict"
    assert results["amount"] == "agree"  # every choice agrees on the amount
    assert (check.matched, check.conflicts) == (False, ["payment"])
    [state] = [s for s in check.documents if s.document == "payment"]
    assert (state.present, state.conflict, state.declaration_id) == (True, True, None)
    assert [f.declarant for f in state.filings] == ["", "ROGUE"]


def test_a_rule_every_choice_disagrees_on_stays_a_disagreement() -> None:
    docs = _docs(waybill=Document("customs", {"consignee": _party("y")}, None, "ACCEPTED"))
    docs.add("waybill", _filed("ROGUE", {"consignee": _party("z")}))
    assert _results(docs)["consignee"] == "disagree"
    assert three_document_check(docs).conflicts == ["waybill"]


def test_acceptance_over_conflicting_documents() -> None:
    unaccepted = _filed("ROGUE", {"consignee": _party("c")}, "SENT_TO_CUSTOMS")
    assert _results(_with_rival("waybill", unaccepted))["all_accepted"] == "conflict"
    docs = _with_rival("waybill", _filed("ROGUE", {"consignee": _party("c")}))
    assert _results(docs)["all_accepted"] == "agree"
    docs = _docs(waybill=None)
    for declarant in ("A", "B"):
        docs.add("waybill", _filed(declarant, {"consignee": _party("c")}, "SENT_TO_CUSTOMS"))
    assert _results(docs)["all_accepted"] == "disagree"


def test_limit_inputs_of_conflicting_documents_are_unknown_unless_they_agree() -> None:
    rival = {"amounts": {"actual_paid": "6000.00"}, "buyer": _party("other"), "lines": LINES}
    docs = _with_rival("order", _filed("ROGUE", rival))
    assert order_amount(docs) is None
    assert buyer_token(docs) is None
    same = {"amounts": {"actual_paid": "10.0"}, "buyer": _party("b")}
    docs = _with_rival("order", _filed("ROGUE", same))
    assert order_amount(docs) == Decimal("10.00")
    assert buyer_token(docs) == "t1:id-b"


def test_the_platforms_order_joins_the_conflict_only_when_it_contradicts() -> None:
    hub = Document(
        "hub_order", {"amounts": {"actual_paid": "10"}, "buyer": _party("b")}, None, "PAID", "TMALL"
    )
    docs = _docs()
    docs.add_hub_order(hub)  # states what the customs order states: it changes nothing
    assert three_document_check(docs).matched is True
    hub = Document("hub_order", {"buyer": _party("someone")}, None, "PAID", "TMALL")
    docs = _docs(order=None)
    docs.add_hub_order(hub)  # alone, it is the order document
    assert three_document_check(docs).documents[0].source == "hub_order"
    docs = _docs()
    docs.add_hub_order(hub)
    check = three_document_check(docs)
    assert (check.conflicts, _results(docs)["buyer_payer"]) == (["order"], "conflict")
    assert [f.source for f in check.documents[0].filings] == ["customs", "hub_order"]
    # Taking the platform's order, no customs order is waiting; taking the other, one is.
    docs = _docs(order=None)
    docs.add("order", _filed("ROGUE", {"buyer": _party("x")}, "SENT_TO_CUSTOMS"))
    docs.add_hub_order(hub)
    assert _results(docs)["all_accepted"] == "conflict"

"""The three-document match (三单对碰) and the import limits: pure rules, no I/O.

Rules (../shared/reference/customs.md "Linking keys and the three-document match"):
the order's actual_paid equals the payment's; the buyer on the order is the payer on the
payment; the order's consignee (name, phone, address) equals the waybill's; the inventory
lines match the order lines one to one by gnum; and every present document has been
accepted by customs (120 or later). People are compared by keyed-hash token only.

Money is read by one grammar here and in SQL (quanhub.ledger.read.customs.money_sql):
fullwidth digits, point and minus (the forms a CJK input method types) are mapped to ASCII
by one table, and what remains must be an ASCII decimal. Python's Decimal alone would also
read other scripts' digits, exponents, NaN, spaces and underscores, none of which the SQL
total can read, so a quota summed in SQL and judged in Python would disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from quanhub.ledger.api.schemas import Check, DocumentName, DocumentState, ThreeDocumentCheck

#: Statuses at or beyond customs acceptance (returnStatus 120 and later).
ACCEPTED = frozenset(
    {"ACCEPTED", "MANUAL_REVIEW", "CONCLUDED", "INSPECTION", "DETAINED", "RELEASED", "CLOSED"}
)
ORDER_LIMIT = Decimal("5000.00")
ANNUAL_LIMIT = Decimal("26000.00")
_DOCUMENTS: tuple[DocumentName, ...] = ("order", "payment", "waybill", "inventory")


@dataclass(frozen=True, slots=True)
class Document:
    """One document's state and content, from a customs message or the platform's order."""

    source: str
    content: dict[str, Any]
    declaration_id: UUID | None = None
    status: str = ""


@dataclass(slots=True)
class Documents:
    """What is known of a consignment's four documents."""

    order: Document | None = None
    payment: Document | None = None
    waybill: Document | None = None
    inventory: Document | None = None
    extra: dict[str, Document] = field(default_factory=dict)

    def get(self, name: DocumentName) -> Document | None:
        """The document of that name, if known."""
        doc: Document | None = getattr(self, name)
        return doc


#: The money grammar after MONEY_FROM is mapped to MONEY_TO (bounded, so that SQL's
#: numeric never overflows on it).
MONEY_PATTERN = r"-?[0-9]{1,20}(\.[0-9]{1,10})?"
MONEY_TO = "0123456789.-"
#: Fullwidth digits zero to nine, full stop and hyphen-minus (U+FF10..U+FF19, FF0E, FF0D).
MONEY_FROM = "".join(chr(0xFF10 + d) for d in range(10)) + "\uff0e\uff0d"
_MONEY = re.compile(MONEY_PATTERN)
_TO_ASCII = str.maketrans(MONEY_FROM, MONEY_TO)


def decimal(value: Any) -> Decimal | None:
    """A money string as Decimal; None when it is not one (empty, not a string, or not
    in the money grammar), exactly as customs.money_sql reads it."""
    if not isinstance(value, str):
        return None
    text = value.translate(_TO_ASCII)
    return Decimal(text) if _MONEY.fullmatch(text) else None


def _amount(doc: Document | None) -> Decimal | None:
    if doc is None:
        return None
    return decimal((doc.content.get("amounts") or {}).get("actual_paid"))


def _tokens(doc: Document | None, party: str, fields: tuple[str, ...]) -> tuple[str, ...] | None:
    if doc is None or not isinstance(doc.content.get(party), dict):
        return None
    values = tuple(doc.content[party].get(f, "") for f in fields)
    return values if any(values) else None


def _compare(rule: Any, left: Any, right: Any, what: str) -> Check:
    if left is None or right is None:
        return Check(rule=rule, result="unknown", detail=f"{what}: a side is missing")
    if left == right:
        return Check(rule=rule, result="agree", detail=f"{what} agree")
    return Check(rule=rule, result="disagree", detail=f"{what} differ")


def _line_key(line: dict[str, Any]) -> tuple[str, int, Decimal | None]:
    return (
        str(line.get("item_no", "")),
        int(line.get("quantity", 0)),
        decimal(line.get("total_price")),
    )


def _lines(order: Document | None, inventory: Document | None) -> Check:
    if order is None or inventory is None:
        return Check(rule="lines", result="unknown", detail="order or inventory is missing")
    ours = {int(li.get("gnum", 0)): _line_key(li) for li in order.content.get("lines") or []}
    theirs = {int(li.get("gnum", 0)): _line_key(li) for li in inventory.content.get("lines") or []}
    if not ours or not theirs:
        return Check(rule="lines", result="unknown", detail="a document carries no lines")
    if ours == theirs:
        return Check(rule="lines", result="agree", detail=f"{len(ours)} lines match by gnum")
    differing = sorted(
        set(ours) ^ set(theirs) | {g for g in ours if theirs.get(g, ours[g]) != ours[g]}
    )
    return Check(rule="lines", result="disagree", detail=f"gnum {differing} differ")


def three_document_check(docs: Documents) -> ThreeDocumentCheck:
    """Which documents exist, which agree on the spec's rules, and what is missing."""
    states: list[DocumentState] = []
    for name in _DOCUMENTS:
        doc = docs.get(name)
        if doc is None:
            states.append(DocumentState(document=name, present=False, source="none"))
            continue
        customs = doc.source == "customs"
        states.append(
            DocumentState(
                document=name,
                present=True,
                source="customs" if customs else "hub_order",
                declaration_id=doc.declaration_id,
                status=doc.status,
                accepted=(doc.status in ACCEPTED) if customs else None,
            )
        )
    party = ("name_token", "telephone_token", "address_token")
    checks = [
        _compare("amount", _amount(docs.order), _amount(docs.payment), "order and payment amounts"),
        _compare(
            "buyer_payer",
            _tokens(docs.order, "buyer", ("id_token",)),
            _tokens(docs.payment, "payer", ("id_token",)),
            "order buyer and payment payer",
        ),
        _compare(
            "consignee",
            _tokens(docs.order, "consignee", party),
            _tokens(docs.waybill, "consignee", party),
            "order and waybill consignees",
        ),
        _lines(docs.order, docs.inventory),
    ]
    customs_states = [s for s in states if s.present and s.source == "customs"]
    if not customs_states:
        checks.append(Check(rule="all_accepted", result="unknown", detail="no customs document"))
    elif all(s.accepted for s in customs_states):
        checks.append(Check(rule="all_accepted", result="agree", detail="all accepted"))
    else:
        waiting = [s.document for s in customs_states if not s.accepted]
        checks.append(
            Check(rule="all_accepted", result="disagree", detail=f"not accepted yet: {waiting}")
        )
    missing = [s.document for s in states if not s.present]
    matched = not missing and all(c.result == "agree" for c in checks)
    return ThreeDocumentCheck(documents=states, checks=checks, missing=missing, matched=matched)


def order_amount(docs: Documents) -> Decimal | None:
    """The transaction value the per-order limit applies to (order, else inventory)."""
    amount = _amount(docs.order)
    if amount is None and docs.inventory is not None:
        amounts = docs.inventory.content.get("amounts") or {}
        amount = decimal(amounts.get("actual_paid")) or decimal(amounts.get("goods_value"))
    return amount


def buyer_token(docs: Documents) -> str:
    """The buyer's ID token, from the order or the inventory."""
    for doc in (docs.order, docs.inventory):
        tokens = _tokens(doc, "buyer", ("id_token",))
        if tokens:
            return tokens[0]
    return ""

"""The three-document match (三单对碰) and the import limits: pure rules, no I/O.

Rules (../shared/reference/customs.md "Linking keys and the three-document match"):
the order's actual_paid equals the payment's; the buyer on the order is the payer on the
payment; the order's consignee (name, phone, address) equals the waybill's; the inventory
lines match the order lines one to one by gnum; and every present document has been
accepted by customs (120 or later). People are compared by keyed-hash token only.

Conflicting documents: when declarations of more than one declarant are documents of one
kind for the consignment (say the real agent's payment and a rogue agent's newer one),
none is taken silently. The kind is a conflict, each rule over it is evaluated for every
choice of its documents and reads that result only when every choice gives it, else
`conflict`; the consignment is not matched, and the per-order limit inputs are known only
when the conflicting documents agree on them. So a document another declarant files can
neither turn a disagreement into an agreement nor the reverse unseen. The platform's own
order, when the reader may read it, is the order kind's reference: alone it stands in for
a missing CEB311, and beside CEB311s it joins the conflict when it contradicts one of
them (a field both state differs), so a declarant's order document never silently
replaces what the platform itself recorded.

Money is read by one grammar here and in SQL (quanhub.ledger.read.customs.money_sql):
fullwidth digits, point and minus (the forms a CJK input method types) are mapped to ASCII
by one table, and what remains must be an ASCII decimal. Python's Decimal alone would also
read other scripts' digits, exponents, NaN, spaces and underscores, none of which the SQL
total can read, so a quota summed in SQL and judged in Python would disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product
from typing import Any, Literal, TypeVar
from uuid import UUID

DocumentName = Literal["order", "payment", "waybill", "inventory"]
Rule = Literal["amount", "buyer_payer", "consignee", "lines", "all_accepted"]
Result = Literal["agree", "disagree", "unknown", "conflict"]


@dataclass(frozen=True, slots=True)
class Filing:
    """One of conflicting documents of a kind (api.schemas.Filing says what each field means)."""

    source: Literal["customs", "hub_order"]
    declaration_id: UUID | None
    declarant: str
    status: str
    accepted: bool | None


@dataclass(frozen=True, slots=True)
class DocumentState:
    """One of the four documents: present or not, where from, or the conflicting filings."""

    document: DocumentName
    present: bool
    source: Literal["customs", "hub_order", "none"]
    declaration_id: UUID | None = None
    status: str = ""
    accepted: bool | None = None
    conflict: bool = False
    filings: list[Filing] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Check:
    """One rule of the match and its result."""

    rule: Rule
    result: Result
    detail: str


@dataclass(frozen=True, slots=True)
class ThreeDocumentCheck:
    """The match's answer: each document's state, each rule's check, what is missing."""

    documents: list[DocumentState]
    checks: list[Check]
    missing: list[DocumentName]
    matched: bool
    conflicts: list[DocumentName] = field(default_factory=list)


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
    declarant: str = ""

    @property
    def accepted(self) -> bool | None:
        """Accepted by customs (a customs document at 120 or later); None for the
        platform's own order, which customs never answers."""
        return self.status in ACCEPTED if self.source == "customs" else None


@dataclass(slots=True)
class Documents:
    """What is known of a consignment's four documents: the one document of each kind,
    or, for a kind in `conflicts`, each declarant's latest (two or more; the attribute is
    then None)."""

    order: Document | None = None
    payment: Document | None = None
    waybill: Document | None = None
    inventory: Document | None = None
    extra: dict[str, Document] = field(default_factory=dict)
    conflicts: dict[DocumentName, tuple[Document, ...]] = field(default_factory=dict)

    def get(self, name: DocumentName) -> Document | None:
        """The document of that name, if there is exactly one."""
        doc: Document | None = getattr(self, name)
        return doc

    def candidates(self, name: DocumentName) -> tuple[Document, ...]:
        """Every document of that name the match must consider (none, one, or the
        conflicting ones)."""
        doc = self.get(name)
        return self.conflicts.get(name, ()) if doc is None else (doc,)

    def add_hub_order(self, doc: Document) -> None:
        """Add the platform's own order: the order document when customs has none, a
        party to the conflict when it contradicts a customs order document."""
        known = self.candidates("order")
        if not known or any(contradicts(doc, other) for other in known):
            self.add("order", doc)

    def add(self, name: DocumentName, doc: Document) -> None:
        """Add a document of that name (another declarant's makes the kind a conflict)."""
        known = self.candidates(name)
        if not known:
            setattr(self, name, doc)
            return
        setattr(self, name, None)
        self.conflicts[name] = (*known, doc)


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


_PARTY = ("name_token", "telephone_token", "address_token")


def _statements(doc: Document) -> tuple[Any, ...]:
    """What the match reads of an order document: amount, buyer, consignee, lines."""
    lines = {int(li.get("gnum", 0)): _line_key(li) for li in doc.content.get("lines") or []}
    return (
        _amount(doc),
        _tokens(doc, "buyer", ("id_token",)),
        _tokens(doc, "consignee", _PARTY),
        lines or None,
    )


def contradicts(a: Document, b: Document) -> bool:
    """Two order documents state a different amount, buyer, consignee or lines (a field
    only one of them states is no contradiction)."""
    return any(
        x is not None and y is not None and x != y
        for x, y in zip(_statements(a), _statements(b), strict=True)
    )


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


_T = TypeVar("_T")
_Rule = Callable[[Document | None, Document | None], Check]


def _over_choices(
    rule: Any, left: Sequence[Document], right: Sequence[Document], fn: _Rule
) -> Check:
    """`fn` for every choice of one left and one right document: its check when every
    choice gives the same result, else a conflict."""
    checks = [fn(a, b) for a, b in product(left or (None,), right or (None,))]
    results = sorted({c.result for c in checks})
    if len(results) == 1:
        return checks[0]
    counts = ", ".join(f"{sum(c.result == r for c in checks)} {r}" for r in results)
    detail = f"conflicting documents: the choices give {counts}"
    return Check(rule=rule, result="conflict", detail=detail)


def _as_filed(doc: Document) -> dict[str, Any]:
    """A document's source, declaration id, status and acceptance, as DocumentState and
    Filing state them (`accepted` None for the platform's own order)."""
    return {
        "source": "customs" if doc.source == "customs" else "hub_order",
        "declaration_id": doc.declaration_id,
        "status": doc.status,
        "accepted": doc.accepted,
    }


def _state(name: DocumentName, docs: Documents) -> DocumentState:
    if name in docs.conflicts:
        filings = [Filing(declarant=d.declarant, **_as_filed(d)) for d in docs.conflicts[name]]
        return DocumentState(
            document=name, present=True, source="customs", conflict=True, filings=filings
        )
    doc = docs.get(name)
    if doc is None:
        return DocumentState(document=name, present=False, source="none")
    return DocumentState(document=name, present=True, **_as_filed(doc))


def _all_accepted(docs: Documents) -> Check:
    """Every present customs document accepted, over every choice of conflicting ones:
    the outcome every choice gives (unknown when a choice holds no customs document,
    disagree when one holds an unaccepted one, else agree), or conflict."""
    # Per kind, what each choice of its document contributes: True/False (a customs
    # document, accepted or not) or None (the platform's own order, no customs document).
    options = {name: {d.accepted for d in docs.candidates(name)} for name in _DOCUMENTS}
    chosen = [o for o in options.values() if o]
    outcomes = set()
    if all(None in o for o in chosen):
        outcomes.add("unknown")
    if any(False in o for o in chosen):
        outcomes.add("disagree")
    if all(o - {False} for o in chosen) and any(True in o for o in chosen):
        outcomes.add("agree")
    if outcomes == {"unknown"}:
        return Check(rule="all_accepted", result="unknown", detail="no customs document")
    if outcomes == {"agree"}:
        return Check(rule="all_accepted", result="agree", detail="all accepted")
    waiting = [name for name, o in options.items() if False in o]
    if outcomes == {"disagree"}:
        detail = f"not accepted yet: {waiting}"
        return Check(rule="all_accepted", result="disagree", detail=detail)
    detail = f"conflicting documents, accepted or not: {waiting}"
    return Check(rule="all_accepted", result="conflict", detail=detail)


def three_document_check(docs: Documents) -> ThreeDocumentCheck:
    """Which documents exist, which agree on the spec's rules, and what is missing; a
    rule over conflicting documents reads what every choice of them gives, or conflict."""
    states = [_state(name, docs) for name in _DOCUMENTS]
    party = _PARTY
    order = docs.candidates("order")
    checks = [
        _over_choices(
            "amount",
            order,
            docs.candidates("payment"),
            lambda o, p: _compare("amount", _amount(o), _amount(p), "order and payment amounts"),
        ),
        _over_choices(
            "buyer_payer",
            order,
            docs.candidates("payment"),
            lambda o, p: _compare(
                "buyer_payer",
                _tokens(o, "buyer", ("id_token",)),
                _tokens(p, "payer", ("id_token",)),
                "order buyer and payment payer",
            ),
        ),
        _over_choices(
            "consignee",
            order,
            docs.candidates("waybill"),
            lambda o, w: _compare(
                "consignee",
                _tokens(o, "consignee", party),
                _tokens(w, "consignee", party),
                "order and waybill consignees",
            ),
        ),
        _over_choices("lines", order, docs.candidates("inventory"), _lines),
        _all_accepted(docs),
    ]
    missing = [s.document for s in states if not s.present]
    conflicts = [s.document for s in states if s.conflict]
    matched = not missing and not conflicts and all(c.result == "agree" for c in checks)
    return ThreeDocumentCheck(
        documents=states, checks=checks, missing=missing, matched=matched, conflicts=conflicts
    )


def _agreed(values: Sequence[_T | None]) -> _T | None:
    """The one value all of `values` hold; None when they differ or there are none."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _inventory_amount(doc: Document) -> Decimal | None:
    amounts = doc.content.get("amounts") or {}
    return decimal(amounts.get("actual_paid")) or decimal(amounts.get("goods_value"))


def order_amount(docs: Documents) -> Decimal | None:
    """The transaction value the per-order limit applies to (order, else inventory);
    None when conflicting documents give different values."""
    orders = docs.candidates("order")
    amounts = [_amount(d) for d in orders]
    if orders and len(set(amounts)) > 1:
        return None
    amount = _agreed(amounts)
    if amount is None:
        amount = _agreed([_inventory_amount(d) for d in docs.candidates("inventory")])
    return amount


def buyer_token(docs: Documents) -> str | None:
    """The buyer's ID token, from the order or the inventory; "" when they name none,
    None when conflicting documents name different buyers (no one buyer is known)."""
    for name in ("order", "inventory"):
        tokens = {(_tokens(d, "buyer", ("id_token",)) or ("",))[0] for d in docs.candidates(name)}
        if len(tokens) > 1:
            return None
        if tokens and tokens != {""}:
            return tokens.pop()
    return ""

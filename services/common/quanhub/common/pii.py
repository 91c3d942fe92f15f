"""Personal data at the edge: keyed-hash tokens, masked forms, and tokenising an event.

A token is HMAC-SHA256 (key QUANHUB_PII_SECRET) of the normalised value, domain-separated
by kind (id, name, phone, address), so the same buyer ID gives the same token on an order
and a payment and the ledger can match and count quotas without ever holding the value.
Masks keep just enough for a human to recognise a record (`370102********1234`, `张*`,
`138****5678`, `山东省济南市历下区****`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common import contract, freetext
from quanhub.common.fields import scrub_free_text
from quanhub.common.timestamps import to_seconds_nanos
from quanhub.ingest.v1 import ingest_pb2

if TYPE_CHECKING:
    from _hashlib import HASH

TOKEN_PREFIX = "t1:"  # noqa: S105 - a format marker, not a secret
_DISTRICT = re.compile(r"^[^\d\s]{0,20}?(?:自治县|自治旗|区|县|旗)")
_CITY = re.compile(r"^[^\d\s]{0,14}?市")
_NON_DIGIT = re.compile(r"\D")


class PiiKind(StrEnum):
    """What a personal value is; tokens of different kinds never collide."""

    ID_NUMBER = "id"
    NAME = "name"
    TELEPHONE = "phone"
    ADDRESS = "address"


#: What a token's hashed message starts with, per kind ("id" + U+001F, ...).
_KIND_PREFIX = {kind: f"{kind.value}\x1f" for kind in PiiKind}


def _normalise(kind: PiiKind, value: str) -> str:
    # Runs of whitespace as one space, none at either end (split() knows \s's characters).
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    if kind is PiiKind.ID_NUMBER:
        return text.replace(" ", "").upper()
    if kind is PiiKind.TELEPHONE:
        digits = _NON_DIGIT.sub("", text)
        return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
    return text


_BLOCK = 64  # SHA-256's block size, in bytes


@functools.lru_cache(maxsize=4)
def _keyed(secret: bytes) -> tuple[HASH, HASH]:
    """HMAC-SHA256 (RFC 2104) with the key already absorbed: SHA-256 states that have hashed
    the key XOR ipad and the key XOR opad. A token copies both, at half the cost of copying
    an hmac.HMAC (the tests hold it equal to hmac.new)."""
    key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def token(secret: bytes, kind: PiiKind, value: str) -> str:
    """The keyed-hash token of a personal value ("" for an empty value)."""
    if not value.strip():
        return ""
    inner_state, outer_state = _keyed(secret)
    inner = inner_state.copy()
    inner.update(f"{_KIND_PREFIX[kind]}{_normalise(kind, value)}".encode())
    outer = outer_state.copy()
    outer.update(inner.digest())
    return TOKEN_PREFIX + outer.hexdigest()


def mask_id_number(value: str) -> str:
    """`370102199001011234` → `370102********1234`; short passport numbers keep 2+2."""
    v = value.strip()
    if len(v) >= 15:
        return v[:6] + "*" * (len(v) - 10) + v[-4:]
    if len(v) >= 7:
        return v[:2] + "*" * (len(v) - 4) + v[-2:]
    return "*" * len(v)


def mask_name(value: str) -> str:
    """`张三` → `张*`, `欧阳娜娜` → `欧***`; a one-character name becomes `*`."""
    v = value.strip()
    if len(v) <= 1:
        return "*" * len(v)
    return v[0] + "*" * (len(v) - 1)


def mask_telephone(value: str) -> str:
    """`13812345678` → `138****5678`; keeps the first 3 and last 4 characters."""
    v = value.strip()
    if len(v) >= 8:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    if len(v) >= 5:
        return "*" * (len(v) - 2) + v[-2:]
    return "*" * len(v)


def mask_address(value: str) -> str:
    """Keep the administrative part up to the district (`…区`, `…县`) and mask the rest.

    Without a recognisable district in the first characters only the first two are kept,
    and never a digit, so a street number cannot survive.
    """
    v = value.strip()
    if not v:
        return ""
    match = _DISTRICT.match(v) or _CITY.match(v)
    kept = match.group(0) if match else "".join(c for c in v[:2] if not c.isdigit())
    if kept == v:
        kept = kept[:2]
    return kept + "****"


_MASKS: dict[PiiKind, Callable[[str], str]] = {
    PiiKind.ID_NUMBER: mask_id_number,
    PiiKind.NAME: mask_name,
    PiiKind.TELEPHONE: mask_telephone,
    PiiKind.ADDRESS: mask_address,
}

#: Phone and ID numbers quoted in free text masked, however spelled (quanhub.common.freetext).
scrub_text = freetext.scrub_text

#: A field-path plan: (field, kind, token path, mask) of one party's personal fields.
_FieldPlan = tuple[tuple[str, PiiKind, str, Callable[[str], str]], ...]


def _party_plan() -> dict[str, tuple[tuple[str, _FieldPlan], ...]]:
    """The personal fields by body, read from ingest.proto's `personal` options: body ->
    ((party, ((field, kind, path, mask), ...)), ...), parties and fields in field-number
    order, so tokenising an event formats no strings."""
    rules = contract.rules()
    plan: dict[str, tuple[tuple[str, _FieldPlan], ...]] = {}
    for body in ingest_pb2.Event.DESCRIPTOR.oneofs_by_name["body"].fields:
        parties = []
        body_type = body.message_type.name if body.message_type is not None else ""
        for party in rules.get(body_type, ()):
            personal = [
                (f.name, PiiKind(f.personal.value))
                for f in rules.get(party.message_type, ())
                if f.personal is not contract.PersonalKind.NONE
            ]
            if personal and not party.repeated:
                path = f"{body.name}.{party.name}"
                fields = tuple((f, k, f"{path}.{f}", _MASKS[k]) for f, k in personal)
                parties.append((party.name, fields))
        if parties:
            plan[body.name] = tuple(parties)
    return plan


_PARTY_PLAN = _party_plan()


#: (seconds, nanos) of an instant; cached, as a whole batch shares one receive time.
_timestamp = functools.lru_cache(maxsize=4)(to_seconds_nanos)


def protect_event(  # noqa: PLR0917 - positional order is the documented interface
    event: ingest_pb2.Event,
    partner: str,
    role: str,
    received_at: datetime,
    trace_id: str,
    ingress: str,
    secret: bytes | str,
) -> canonical_pb2.RawEnvelope:
    """The envelope for a raw topic: personal fields masked in place, tokens by field path.

    The caller's `event` is not modified. Token paths read like "order.buyer.id_number".
    """
    envelope = canonical_pb2.RawEnvelope(
        partner_code=partner, partner_role=str(role), trace_id=trace_id, ingress=ingress
    )
    envelope.received_at.seconds, envelope.received_at.nanos = _timestamp(received_at)
    envelope.event.CopyFrom(event)
    envelope.pii_tokens.update(protect_in_place(envelope.event, secret))
    return envelope


def protect_in_place(event: ingest_pb2.Event, secret: bytes | str) -> dict[str, str]:
    """Mask `event`'s personal fields and scrub its free text (every string field that
    quanhub.common.fields classes as free text), in place; the tokens of the
    personal values by field path. For a caller that owns the event (the gateway decoded
    it from the request) and writes its envelope with `EnvelopeWriter`."""
    # Every field quanhub.common.fields classes as free text, at every level.
    scrub_free_text(event)
    body_name = event.WhichOneof("body")
    if body_name is None:
        return {}
    key = secret.encode() if isinstance(secret, str) else secret
    body = getattr(event, body_name)
    tokens: dict[str, str] = {}
    # Buyer, payer and consignee are often one person: each value is hashed once per event.
    seen: dict[tuple[PiiKind, str], str] = {}
    for party_field, fields in _PARTY_PLAN.get(body_name, ()):
        if not body.HasField(party_field):
            continue
        party = getattr(body, party_field)
        for field, kind, path, mask in fields:
            value: str = getattr(party, field)
            if value:
                known = seen.get((kind, value))
                if known is None:
                    known = seen[kind, value] = token(key, kind, value)
                tokens[path] = known
                setattr(party, field, mask(value))
    return tokens


_BYTE = [bytes((i,)) for i in range(0x80)]


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _BYTE[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _string_field(tag: bytes, value: bytes) -> bytes:
    return tag + _varint(len(value)) + value


#: RawEnvelope's tags (field number << 3 | length-delimited) that EnvelopeWriter writes.
_TRACE_ID, _EVENT, _PII_TOKENS = b"\x22", b"\x52", b"\x5a"
#: A map entry's key and value tags.
_ENTRY_KEY, _ENTRY_VALUE = b"\x0a", b"\x12"


class EnvelopeWriter:
    """The serialized RawEnvelope of each event of one request, without a RawEnvelope per
    event: the fields every event shares (partner, role, receive time, ingress) are encoded
    once, and each envelope is those bytes with its trace id, event and tokens added in
    field-number order, as protobuf would write them. Equal, field for field, to
    `protect_event(...).SerializeToString()` of the unmasked event."""

    def __init__(self, partner: str, role: str, received_at: datetime, ingress: str) -> None:
        shared = canonical_pb2.RawEnvelope(partner_code=partner, partner_role=str(role))
        shared.received_at.seconds, shared.received_at.nanos = _timestamp(received_at)
        #: The encoded fields every envelope of the request shares: 1-3, and 5 (ingress).
        self.head = shared.SerializeToString()
        self.ingress = canonical_pb2.RawEnvelope(ingress=ingress).SerializeToString()

    def envelope(self, event: bytes, trace_id: str, tokens: dict[str, str]) -> bytes:
        """The envelope of one event already protected in place (`protect_in_place`)."""
        parts = [self.head]
        if trace_id:
            parts.append(_string_field(_TRACE_ID, trace_id.encode()))
        parts += (self.ingress, _EVENT, _varint(len(event)), event)
        for path, token_text in tokens.items():
            entry = _string_field(_ENTRY_KEY, path.encode()) + _string_field(
                _ENTRY_VALUE, token_text.encode()
            )
            parts.append(_string_field(_PII_TOKENS, entry))
        return b"".join(parts)

"""Tokens and masks of personal data, and tokenising a whole event."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanhub.bench.workload import Workload
from quanhub.canonical.v1 import canonical_pb2
from quanhub.common import pii
from quanhub.common.access.demo import DEMO_PARTNERS
from quanhub.common.pii import PiiKind
from quanhub.ingest.v1 import ingest_pb2

SECRET = b"unit-test-secret"
ID = "370102199001011234"
PHONE = "13812345678"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (ID, "370102********1234"),
        ("37010219900101123X", "370102********123X"),
        ("E12345678", "E1*****78"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert pii.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "*"), ("", "")]
)
def test_mask_name(value: str, masked: str) -> None:
    assert pii.mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [(PHONE, "138****5678"), ("0531-88881234", "053******1234"), ("12345", "***45")],
)
def test_mask_telephone(value: str, masked: str) -> None:
    assert pii.mask_telephone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("山东省济南市历下区泉城路188号2单元301室", "山东省济南市历下区****"),
        ("山东省济南市市中区经十路1号", "山东省济南市市中区****"),
        ("济南市泉城路188号", "济南市****"),
        ("泉城路188号", "泉城****"),
        ("12 Baker Street", "****"),
    ],
)
def test_mask_address_keeps_no_street_or_number(value: str, masked: str) -> None:
    assert pii.mask_address(value) == masked


def test_tokens_are_keyed_normalised_and_separated_by_kind() -> None:
    t = pii.token(SECRET, PiiKind.ID_NUMBER, "37010219900101123x")
    assert t == pii.token(SECRET, PiiKind.ID_NUMBER, " 37010219900101123X ")
    assert t.startswith("t1:")
    assert t != pii.token(b"other", PiiKind.ID_NUMBER, "37010219900101123X")
    assert pii.token(SECRET, PiiKind.TELEPHONE, "+86 138 1234 5678") == pii.token(
        SECRET, PiiKind.TELEPHONE, PHONE
    )
    assert pii.token(SECRET, PiiKind.NAME, "张三") != pii.token(SECRET, PiiKind.ADDRESS, "张三")
    assert pii.token(SECRET, PiiKind.NAME, "  ") == ""


def test_token_is_hmac_sha256_of_kind_and_normalised_value() -> None:
    # Pinned format: tokens already stored in ledgers must keep matching new ones.
    expected = hmac.new(SECRET, b"phone\x1f13812345678", hashlib.sha256).hexdigest()
    assert pii.token(SECRET, PiiKind.TELEPHONE, "+86 138-1234-5678") == f"t1:{expected}"
    for _ in range(2):  # the keyed state is reused: one token never leaks into the next
        assert (
            pii.token(b"k2", PiiKind.NAME, "张三")
            == "t1:" + hmac.new(b"k2", "name\x1f张三".encode(), hashlib.sha256).hexdigest()
        )
    assert (
        pii.token(b"x" * 100, PiiKind.NAME, "a")
        == "t1:" + hmac.new(b"x" * 100, b"name\x1fa", hashlib.sha256).hexdigest()
    )


def test_scrub_text_masks_quoted_phones_and_ids() -> None:
    text = f"已签收 签收人电话{PHONE} 证件{ID} 运单 SF1234567890123"
    scrubbed = pii.scrub_text(text)
    assert scrubbed == "已签收 签收人电话138****5678 证件370***********1234 运单 SF123******0123"
    # A waybill cannot be told from a number a person is reached by: masked too.
    # Six digits in a row (a postcode, a district) are left alone.
    short = "电话 250000 订单 2026 共3件"
    assert pii.scrub_text(short) is short


def _order_event() -> ingest_pb2.Event:
    person = ingest_pb2.Person(id_number=ID, name="张三", telephone=PHONE)
    return ingest_pb2.Event(
        event_id="e-1",
        order=ingest_pb2.OrderEvent(
            platform_code="TMALL",
            order_no="O1",
            buyer=person,
            payer=person,
            consignee=ingest_pb2.Consignee(
                name="李四",
                telephone="13987654321",
                address="山东省济南市历下区泉城路1号",
                district_code="370102",
            ),
        ),
    )


def test_protect_event_leaves_no_clear_value_and_tokens_every_field() -> None:
    event = _order_event()
    received = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    envelope = pii.protect_event(event, "TMALL", "platform", received, "tr-1", "gateway", SECRET)
    raw = envelope.SerializeToString()
    for clear in (ID, "张三", PHONE, "李四", "13987654321", "泉城路1号"):
        assert clear.encode() not in raw
    assert set(envelope.pii_tokens) == {
        "order.buyer.id_number",
        "order.buyer.name",
        "order.buyer.telephone",
        "order.payer.id_number",
        "order.payer.name",
        "order.payer.telephone",
        "order.consignee.name",
        "order.consignee.telephone",
        "order.consignee.address",
    }
    assert (
        envelope.pii_tokens["order.buyer.id_number"] == envelope.pii_tokens["order.payer.id_number"]
    )
    assert envelope.event.order.buyer.id_number == "370102********1234"
    assert envelope.event.order.consignee.district_code == "370102"
    assert envelope.partner_code == "TMALL"
    assert envelope.received_at.ToDatetime(tzinfo=UTC) == received
    assert event.order.buyer.id_number == ID, "the caller's event is not modified"


def test_protect_event_covers_customs_and_passes_parcels_through() -> None:
    customs = ingest_pb2.Event(
        event_id="c-1",
        customs=ingest_pb2.CustomsEvent(
            message_type="CEB621", cop_no="C1", buyer=ingest_pb2.Person(id_number=ID, name="王五")
        ),
    )
    envelope = pii.protect_event(
        customs, "JNAGENT", "customs_agent", datetime.now(UTC), "", "gateway", SECRET
    )
    assert set(envelope.pii_tokens) == {"customs.buyer.id_number", "customs.buyer.name"}
    assert b"\xe7\x8e\x8b\xe4\xba\x94" not in envelope.SerializeToString()  # 王五
    parcel = ingest_pb2.Event(
        event_id="p-1", parcel=ingest_pb2.ParcelEvent(carrier_code="SF", waybill_no="W1")
    )
    out = pii.protect_event(parcel, "SF", "carrier", datetime.now(UTC), "", "gateway", SECRET)
    assert out.event == parcel
    assert not out.pii_tokens


@pytest.mark.parametrize(
    "received",
    [
        datetime(2026, 11, 28, 8, 0, 0, 123456, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_received_at_is_the_exact_instant(received: datetime) -> None:
    envelope = pii.protect_event(
        ingest_pb2.Event(event_id="x"), "TMALL", "platform", received, "", "gateway", SECRET
    )
    assert envelope.received_at.ToDatetime(tzinfo=UTC) == received


@given(st.text(max_size=40), st.binary(min_size=1, max_size=100))
def test_token_is_hmac_of_the_whitespace_collapsed_nfkc_value(value: str, key: bytes) -> None:
    normalised = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()
    expected = hmac.new(key, f"name\x1f{normalised}".encode(), hashlib.sha256).hexdigest()
    assert pii.token(key, PiiKind.NAME, value) == (f"t1:{expected}" if value.strip() else "")


def _workload_events() -> list[tuple[str, str, ingest_pb2.Event]]:
    """Orders, parcels and customs messages as the simulator writes them, personal data,
    free text and trace ids included."""
    roles = {p.code: p.role.value for p in DEMO_PARTNERS}
    return [(s.partner, roles[s.partner], s.event) for s in Workload(40).sends(600, "env")]


@pytest.mark.parametrize("trace_id", ["", "tr-request"])
def test_envelope_writer_writes_what_protect_event_builds(trace_id: str) -> None:
    received = datetime(2026, 11, 28, 8, 0, 0, 250000, tzinfo=UTC)
    events = _workload_events()
    assert {e.WhichOneof("body") for _, _, e in events} == {"order", "parcel", "customs"}
    tokenised = 0
    for partner, role, event in events:
        expected = pii.protect_event(event, partner, role, received, trace_id, "gateway", SECRET)
        owned = ingest_pb2.Event()
        owned.CopyFrom(event)
        tokens = pii.protect_in_place(owned, SECRET)
        writer = pii.EnvelopeWriter(partner, role, received, "gateway")
        written = writer.envelope(owned.SerializeToString(), trace_id, tokens)
        assert canonical_pb2.RawEnvelope.FromString(written) == expected
        if not tokens:  # no map: every field in protobuf's own order, byte for byte
            assert written == expected.SerializeToString()
        tokenised += bool(tokens)
    assert tokenised >= 50, "orders and customs messages carry personal data"


def test_envelope_writer_lengths_over_127_bytes_and_empty_events() -> None:
    writer = pii.EnvelopeWriter("SF", "carrier", datetime(2026, 1, 1, tzinfo=UTC), "gateway")
    event = ingest_pb2.Event(event_id="e" * 100, trace_id="t" * 300)
    tokens = {"order.buyer.name": "t1:" + "a" * 64, "x" * 200: "y" * 20_000}
    envelope = canonical_pb2.RawEnvelope.FromString(
        writer.envelope(event.SerializeToString(), "t" * 300, tokens)
    )
    assert envelope.event == event
    assert envelope.trace_id == "t" * 300
    assert dict(envelope.pii_tokens) == tokens
    empty = canonical_pb2.RawEnvelope.FromString(writer.envelope(b"", "", {}))
    assert empty.HasField("event")
    assert empty.partner_code == "SF"

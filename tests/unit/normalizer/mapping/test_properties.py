"""Properties: normalisation is total (a canonical event or a dead-letter reason, never an
exception) and deterministic (the same input always gives the same output)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.ids import canonical_event_id
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.mapping import DeadLetter, Normalized, normalize
from quanhub.normalizer.mapping.normalize import WITHHELD, decode_envelope
from quanhub.normalizer.vocab.registry import ORDER_VOCABULARIES, PARCEL_VOCABULARIES

RECEIVED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

text = st.text(max_size=60)
codes = st.one_of(
    text,
    st.sampled_from(
        [
            "0",
            "3",
            "501",
            "304",
            "211",
            "2/201",
            "SIGNED",
            "CLEARANCE_X",
            "PAID",
            "delivered/signed_by_proxy",
            "refund:4",
            "refund:SUCCESS",
            "FINISHED_L",
        ]
    ),
)
systems = st.one_of(text, st.sampled_from([*PARCEL_VOCABULARIES, *ORDER_VOCABULARIES, "cbec"]))
carriers = st.one_of(text, st.sampled_from(["shunfeng", "ZTO", "YD", "jtexpress", "DBL"]))
waybills = st.one_of(text, st.from_regex(r"[A-Z0-9]{6,20}", fullmatch=True))
offsets = st.integers(min_value=-(10**7), max_value=10**7)


@st.composite
def envelopes(draw: st.DrawFn) -> cpb.RawEnvelope:
    env = cpb.RawEnvelope(
        partner_code=draw(st.sampled_from(["", "sf", "tmall", "agent"])),
        trace_id=draw(text),
    )
    if draw(st.booleans()):
        env.received_at.FromDatetime(RECEIVED)
    event = env.event
    event.event_id = draw(st.one_of(text, st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)))
    if draw(st.booleans()):
        event.occurred_at.FromDatetime(RECEIVED + timedelta(seconds=draw(offsets)))
    kind = draw(st.sampled_from(["order", "parcel", "customs", "none"]))
    if kind == "parcel":
        event.parcel.CopyFrom(
            ipb.ParcelEvent(
                carrier_code=draw(carriers),
                waybill_no=draw(waybills),
                code_system=draw(systems),
                code=draw(codes),
                description=draw(text),
                delivery_point=draw(st.integers(0, 3)),
            )
        )
    elif kind == "order":
        event.order.CopyFrom(
            ipb.OrderEvent(
                platform_code=draw(text),
                order_no=draw(text),
                code_system=draw(systems),
                code=draw(codes),
                carrier_code=draw(st.sampled_from(["", "sf", "nobody"])),
                buyer=ipb.Person(name=draw(text)),
                actual_paid=draw(text),
            )
        )
        if event.order.buyer.name and draw(st.booleans()):
            env.pii_tokens["order.buyer.name"] = "t1:x"
    elif kind == "customs":
        event.customs.CopyFrom(
            ipb.CustomsEvent(
                message_type=draw(st.sampled_from(["CEB622", "CEB624", "CEB311", "CEB999", "x"])),
                cop_no=draw(text),
                return_status=draw(st.one_of(text, st.integers().map(str))),
                return_time=draw(st.one_of(text, st.from_regex(r"\d{17}", fullmatch=True))),
            )
        )
    return env


def _same(a: Normalized | DeadLetter, b: Normalized | DeadLetter) -> bool:
    if isinstance(a, DeadLetter) or isinstance(b, DeadLetter):
        return a == b
    return (a.key, a.unmapped) == (b.key, b.unmapped) and a.event.SerializeToString(
        deterministic=True
    ) == b.event.SerializeToString(deterministic=True)


@settings(max_examples=400, deadline=None)
@given(envelopes())
def test_normalize_is_total_and_deterministic(envelope: cpb.RawEnvelope) -> None:
    first = normalize(envelope)
    again = normalize(cpb.RawEnvelope.FromString(envelope.SerializeToString()))
    assert isinstance(first, Normalized | DeadLetter)
    assert _same(first, again)
    if isinstance(first, DeadLetter):
        assert first.code
        assert first.message
        return
    out = first.event
    assert out.event_id == str(canonical_event_id(envelope.partner_code, envelope.event.event_id))
    assert out.source_partner == envelope.partner_code
    body = envelope.event.WhichOneof("body")
    if body in {"order", "parcel"}:
        code = getattr(envelope.event, body).code.strip()
        # An unknown code that does not read as a code (it may quote a person) is withheld.
        assert out.raw_code == code or (out.unmapped_code and out.raw_code == WITHHELD)
    assert out.unmapped_code == (first.unmapped is not None)
    assert first.key


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    decoded = decode_envelope(data)
    result = decoded if isinstance(decoded, DeadLetter) else normalize(decoded)
    assert isinstance(result, Normalized | DeadLetter)


@settings(max_examples=300, deadline=None)
@given(text)
def test_every_lookup_is_total(code: str) -> None:
    for lookup in [*PARCEL_VOCABULARIES.values(), *ORDER_VOCABULARIES.values()]:
        row = lookup(code)
        assert row is None or row.status != 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(text, st.sampled_from(["CEB622", "CEB624", "ceb311", "CEB816"])), text)
def test_customs_lookup_is_total(message_type: str, return_status: str) -> None:
    from quanhub.normalizer.vocab import customs

    code = customs.lookup(message_type, return_status)
    assert code.status != 0
    assert code.known is (code.status != cpb.DECLARATION_STATUS_UNKNOWN)

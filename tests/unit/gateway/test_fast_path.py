"""The native fast path (quanhub_gateway_native) against Python: the same answers and the
same Kafka records, byte for byte, for the workload's events and for events made odd on
purpose. Two apps answer each request, one with the fast path and one without."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import httpx
import pytest
import quanhub_gateway_native as native
from gateway_fakes import FakePublisher
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from quanhub.bench.workload import Workload
from quanhub.canonical.v1 import canonical_pb2
from quanhub.common import contract, fields, validation
from quanhub.common.access import AuthenticationFailed, Principal
from quanhub.common.access.demo import DEMO_PARTNERS
from quanhub.common.clock import FixedClock
from quanhub.common.kafka import murmur2
from quanhub.common.pii import scrub_text
from quanhub.common.traceids import is_safe_trace_id
from quanhub.common.validation import MAX_LINES
from quanhub.gateway import fastpath, parsing
from quanhub.gateway.app import create_app
from quanhub.gateway.publisher import Record
from quanhub.gateway.settings import GatewaySettings
from quanhub.ingest.v1 import ingest_pb2

#: Examples per property test; `make fuzz` runs them with many more.
EXAMPLES = int(os.environ.get("QUANHUB_FAST_PATH_EXAMPLES", "300"))
#: When the workload's events were "received" (they happen around the simulator's clock).
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
#: A safe trace id (common.traceids): kept, so both apps write the same records.
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PROTOBUF = {"Content-Type": "application/x-protobuf", "X-Trace-Id": TRACE}


class _Partners:
    """Every demo partner, by the key "key-<code>"."""

    async def authenticate(self, api_key: str) -> Principal:
        for p in DEMO_PARTNERS:
            if api_key == f"key-{p.code}":
                return Principal(p.code, p.role, p.name, p.customs_code)
        raise AuthenticationFailed("invalid API key")


@dataclass
class _Gateway:
    http: httpx.AsyncClient
    publisher: FakePublisher
    metrics: CollectorRegistry
    app_state: Any


@asynccontextmanager
async def _gateway(
    *, native_path: bool, now: datetime, expect_fast: bool | None = None
) -> AsyncIterator[_Gateway]:
    settings = GatewaySettings(
        native=native_path, rate_limit_events_per_second=1e9, rate_limit_burst=10**9
    )
    publisher = FakePublisher()
    app = create_app(
        settings, clock=FixedClock(now), publisher=publisher, authenticator=_Partners()
    )
    fast = native_path if expect_fast is None else expect_fast
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as http,
    ):
        assert (app.state.context.fast_path is not None) is fast
        yield _Gateway(http, publisher, app.state.context.metrics.registry, app.state.context)


@dataclass
class _Pair:
    fast: _Gateway
    python: _Gateway

    async def post(self, partner: str, events: Sequence[ingest_pb2.Event], **headers: str) -> None:
        """Post to both; assert the same answer and the same records."""
        body = ingest_pb2.PublishRequest(events=events).SerializeToString()
        sent = {**PROTOBUF, "Authorization": f"Bearer key-{partner}", **headers}
        fast = await self.fast.http.post("/v1/events", content=body, headers=sent)
        python = await self.python.http.post("/v1/events", content=body, headers=sent)
        assert (fast.status_code, _answer(fast)) == (python.status_code, _answer(python))
        assert len(self.fast.publisher.records) == len(self.python.publisher.records)
        for ours, theirs in zip(
            self.fast.publisher.records, self.python.publisher.records, strict=True
        ):
            assert _comparable(ours) == _comparable(theirs)
            if ours.key_hash is not None:
                assert ours.key_hash == murmur2(ours.key)
        self.fast.publisher.records.clear()
        self.python.publisher.records.clear()


def _comparable(record: Record) -> tuple[object, ...]:
    """Topic, key, value (the envelope) and headers, traceparent's span id (each request's
    own) left out."""
    headers = [(k, v[:36] + v[52:] if k == "traceparent" else v) for k, v in record.headers]
    return (record.topic, record.key, record.value, headers)


def _answer(response: httpx.Response) -> Any:
    return response.json() if response.headers["content-type"].endswith("json") else None


@asynccontextmanager
async def _pair(now: datetime = NOW) -> AsyncIterator[_Pair]:
    async with (
        _gateway(native_path=True, now=now) as fast,
        _gateway(native_path=False, now=now) as python,
    ):
        yield _Pair(fast, python)


def _fast_share(pair: _Pair) -> float:
    """The share of events the fast path judged, by the fast app's own metric."""
    name = "quanhub_gateway_fast_path_events_total"
    native_events = pair.fast.metrics.get_sample_value(name, {"path": "native"}) or 0.0
    python_events = pair.fast.metrics.get_sample_value(name, {"path": "python"}) or 0.0
    return native_events / (native_events + python_events)


def _workload(count: int) -> dict[str, list[ingest_pb2.Event]]:
    by_partner: dict[str, list[ingest_pb2.Event]] = {}
    for send in Workload(60).sends(count, "fast"):
        by_partner.setdefault(send.partner, []).append(send.event)
    return by_partner


async def test_the_native_tables_are_python_s() -> None:
    """The native path is built from the contract (ingest.proto's options), the schema (its
    descriptors) and the Python modules' tables and limits, handed over at start."""
    async with _gateway(native_path=True, now=NOW) as gateway:
        state = gateway.app_state
        assert state.fast_path.tables() == fastpath.tables(state.limits)


@given(st.binary(max_size=80))
def test_native_murmur2_is_kafkas(key: bytes) -> None:
    assert native.murmur2(key) == murmur2(key)


async def test_the_workload_takes_the_fast_path_with_python_s_records() -> None:
    events = _workload(3000)
    when = max(e.occurred_at.ToDatetime(tzinfo=UTC) for batch in events.values() for e in batch)
    async with _pair(when) as pair:
        for partner, batch in events.items():
            for start in range(0, len(batch), 200):
                await pair.post(partner, batch[start : start + 200])
        assert _fast_share(pair) > 0.97, "the workload's events are the fast path's to judge"


# --- events made odd on purpose ----------------------------------------------------------

#: Numbers and codes in other scripts' digits (Python's bare \d reads them; SQL does not).
_OTHER_DIGITS = [
    "\uff13\uff10\uff10\uff10\uff10.\uff10\uff10",  # fullwidth 30000.00
    "1\u0966.00",  # a Devanagari zero among ASCII digits
    "\u0663\u0667\u0660\u0661\u0660\u0662",  # Arabic-Indic 370102
    "CEB\uff16\uff12\uff12",
    "ceb\u0666\u0662\u0662",
    "2026112819300012\uff13",
    "\U0001d7ce\U0001d7cf.5",  # mathematical bold 01.5
]
_ODD_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "  x  ",
            "SF",
            "shunfeng",
            "ZTO",
            "zto ",
            "ceb622",
            "CEB622",
            "9610",
            "I",
            "E",
            "e",
            "CNY",
            "cny",
            "370102",
            "37010",
            "199.00",
            "1.23456",
            "00000000000000.1",
            "20261128080000000",
            "00010101000000000",
            "20260229080000000",
            "20280229080000000",
            "SF1234567890",
            "ab-12",
            "13812345678",
            "+86 138 1234 5678",
            "370102199001011234",
            "张三",
            "欧阳娜娜",
            "山东省济南市历下区泉城路1号",
            "内蒙古自治区呼和浩特市",
            "12 Baker Street",
            "【济南市】快件已到达",
            "电话13812345678请联系",
            "\uff41\uff42\uff43",
            "\uff11\uff12\uff13\uff14\uff15\uff16",
            "\x00",
            "tab\there",
            "\u3000全角空格",
            "x" * 129,
            "张" * 257,
            "9" * 11,
            *_OTHER_DIGITS,
        ]
    ),
    st.text(alphabet="aZ09 -.张三【】\uff1a\uff0c、\u00a0\u3000\uff11\t\x1f", max_size=24),
)
_ODD_INT = st.sampled_from([0, 1, -1, 2**31 - 1, -(2**31), 7])


def _fields(descriptor: Descriptor) -> list[FieldDescriptor]:
    return [f for f in descriptor.fields if f.message_type is None or not f.is_repeated]


@st.composite
def _odd_event(draw: st.DrawFn, base: Sequence[ingest_pb2.Event]) -> ingest_pb2.Event:
    """A workload event with a few fields replaced, cleared or added."""
    event = ingest_pb2.Event()
    event.CopyFrom(draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        target: Message = event
        body = event.WhichOneof("body")
        if body and draw(st.booleans()):
            target = getattr(event, body)
            nested = [f for f in _fields(target.DESCRIPTOR) if f.message_type is not None]
            if nested and draw(st.booleans()):
                field = draw(st.sampled_from(nested))
                target = getattr(target, field.name)
        field = draw(st.sampled_from(_fields(target.DESCRIPTOR)))
        if field.type == FieldDescriptor.TYPE_STRING:
            setattr(target, field.name, draw(_ODD_TEXT))
        elif field.type in {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_ENUM}:
            setattr(target, field.name, draw(_ODD_INT))
        elif field.type == FieldDescriptor.TYPE_INT64:
            setattr(target, field.name, draw(st.integers(min_value=-(2**40), max_value=2**40)))
        elif field.type == FieldDescriptor.TYPE_BOOL:
            setattr(target, field.name, draw(st.booleans()))
        elif field.message_type is not None:
            target.ClearField(field.name)
    if draw(st.booleans()):
        seconds = int((_AFTER - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
        event.occurred_at.seconds = seconds + draw(st.sampled_from([-1, 0, 86400, 86401, -(10**9)]))
        event.occurred_at.nanos = draw(st.sampled_from([0, 999_999_999, 1_000_000_000, -1]))
    return event


def _leaves(descriptor: Descriptor, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every scalar field under a message (a repeated message: its first)."""
    out: list[tuple[str, ...]] = []
    for field in descriptor.fields:
        path = (*prefix, field.name)
        if field.message_type is None:
            out.append(path)
        elif field.containing_oneof is None or not prefix:
            out += _leaves(field.message_type, path)
    return out


def _set(event: ingest_pb2.Event, path: tuple[str, ...], value: object) -> None:
    target: Any = event
    for name in path[:-1]:
        target = getattr(target, name)
        if not isinstance(target, Message):  # a repeated message field
            target = target[0] if len(target) else target.add()
    setattr(target, path[-1], value)


_ODD_VALUES: dict[int, list[object]] = {
    FieldDescriptor.TYPE_INT32: [0, -1, 2**31 - 1, -(2**31)],
    FieldDescriptor.TYPE_ENUM: [0, 3, 99, -1],
    FieldDescriptor.TYPE_INT64: [0, -1, 946684799, 946684800, 253402300800],
    FieldDescriptor.TYPE_BOOL: [False, True],
}


_BASE = _workload(400)
_PARTNERS = sorted(_BASE)
#: The clock for odd events: just after the latest workload event.
_AFTER = max(e.occurred_at.ToDatetime(tzinfo=UTC) for b in _BASE.values() for e in b)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_odd_events_get_python_s_answers(data: st.DataObject) -> None:
    partner = data.draw(st.sampled_from(_PARTNERS))
    # Now and then another partner's events, which authorization refuses.
    source = data.draw(st.sampled_from(_PARTNERS)) if data.draw(st.integers(0, 4)) == 0 else partner
    events = data.draw(st.lists(_odd_event(_BASE[source]), min_size=1, max_size=4))
    rollback = {"Quanhub-Error-Behaviour": "rollback"} if data.draw(st.booleans()) else {}
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        await pair.post(partner, events, **rollback)


@given(st.binary(max_size=300))
@settings(max_examples=EXAMPLES, deadline=None)
async def test_any_body_gets_python_s_answer(body: bytes) -> None:
    async with _pair() as pair:
        await _both_answer(pair, "SF", body)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_damaged_bodies_get_python_s_answer(data: st.DataObject) -> None:
    """A valid batch with a few bytes changed, inserted or cut: mostly still protobuf, so the
    decoder meets wrong lengths, tags, wire types and UTF-8 deep inside events."""
    partner = data.draw(st.sampled_from(_PARTNERS))
    batch = data.draw(st.lists(st.sampled_from(_BASE[partner]), min_size=1, max_size=3))
    body = bytearray(ingest_pb2.PublishRequest(events=batch).SerializeToString())
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        byte = data.draw(st.integers(min_value=0, max_value=255))
        change = data.draw(st.sampled_from(["set", "insert", "cut"]))
        if change == "set":
            body[at] = byte
        elif change == "insert":
            body.insert(at, byte)
        elif len(body) > 1:
            del body[at]
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        await _both_answer(pair, partner, bytes(body))


async def _both_answer(pair: _Pair, partner: str, body: bytes) -> None:
    sent = {**PROTOBUF, "Authorization": f"Bearer key-{partner}"}
    fast = await pair.fast.http.post("/v1/events", content=body, headers=sent)
    python = await pair.python.http.post("/v1/events", content=body, headers=sent)
    assert (fast.status_code, _answer(fast)) == (python.status_code, _answer(python))
    assert [_comparable(r) for r in pair.fast.publisher.records] == [
        _comparable(r) for r in pair.python.publisher.records
    ]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(b"\xa0\x06\x01", id="an unknown field"),
        pytest.param(b"\x0a\x01x", id="event_id given twice (protobuf keeps the last)"),
    ],
)
async def test_bodies_protobuf_reads_leniently_go_to_python_whole(extra: bytes) -> None:
    raw = _small_parcel() + extra
    body = b"\x0a" + bytes([len(raw)]) + raw  # a PublishRequest of the one odd event
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        sent = {**PROTOBUF, "Authorization": "Bearer key-ZTO"}
        fast = await pair.fast.http.post("/v1/events", content=body, headers=sent)
        python = await pair.python.http.post("/v1/events", content=body, headers=sent)
        assert fast.status_code == python.status_code == 202
        assert _answer(fast) == _answer(python)
        assert [_comparable(r) for r in pair.fast.publisher.records] == [
            _comparable(r) for r in pair.python.publisher.records
        ]
        assert _fast_share(pair) == 0.0


def _small_parcel() -> bytes:
    """A valid ZTO parcel event under 128 bytes (its length is one byte on the wire)."""
    event = ingest_pb2.Event(
        event_id="pad-1",
        parcel=ingest_pb2.ParcelEvent(
            carrier_code="zto", waybill_no="ZT1234567890", code_system="kuaidi100", code="0"
        ),
    )
    event.occurred_at.FromDatetime(_AFTER)
    raw = event.SerializeToString()
    assert len(raw) < 120
    return raw


@pytest.mark.parametrize("partner", ["TMALL", "ZTO", "JNAGENT"])
async def test_each_field_set_to_each_odd_value_gets_python_s_answer(partner: str) -> None:
    """Every scalar of an order, a parcel and a customs event, set in turn to each odd value
    of its type (the strings are _ODD_TEXT's examples), the rest of the event left valid."""
    base = _BASE[partner][0]
    texts = [
        "",
        " ",
        "  x  ",
        "shunfeng",
        "zto ",
        "ceb622",
        "CEB622",
        "CEB900",
        "9610",
        "I",
        "e",
        "CNY",
        "cny",
        "370102",
        "37010",
        "199.00",
        "1.23456",
        "00000000000000.1",
        "1234567890123",
        "12345678901234",
        "123.",
        ".5",
        "1.2.3",
        "20261128080000000",
        "00010101000000000",
        "20260229080000000",
        "20280229080000000",
        "SF1234567890",
        "ab-12",
        "+86 138 1234 5678",
        "370102199001011234",
        "欧阳娜娜",
        "内蒙古自治区呼和浩特市",
        "12 Baker Street",
        "【济南市】快件已到达",
        "电话13812345678请联系",
        "\uff41\uff42",
        "\uff11\uff12",
        "\x00",
        "tab\there",
        "\u3000全角",
        "x" * 129,
        "张" * 257,
        "3701AG0001",
        "JNAGENT",
        "TMALL",
        "ZTO",
        *_OTHER_DIGITS,
    ]
    variants = []
    for path in _leaves(ingest_pb2.Event.DESCRIPTOR):
        if path[0] in {"order", "parcel", "customs"} and path[0] != base.WhichOneof("body"):
            continue
        field = _field(path)
        for value in (
            texts if field.type == FieldDescriptor.TYPE_STRING else _ODD_VALUES[field.type]
        ):
            event = ingest_pb2.Event()
            event.CopyFrom(base)
            _set(event, path, value)
            variants.append(event)
    assert len(variants) > 400
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        for start in range(0, len(variants), 100):
            await pair.post(partner, variants[start : start + 100])
        assert 0.2 < _fast_share(pair) < 1.0, "both paths judged some of them"


def _field(path: tuple[str, ...]) -> FieldDescriptor:
    descriptor = ingest_pb2.Event.DESCRIPTOR
    for name in path[:-1]:
        descriptor = descriptor.fields_by_name[name].message_type
    return descriptor.fields_by_name[path[-1]]


def _padded(value: int, width: int) -> bytes:
    """A varint below 128 written in `width` bytes (padding protobuf readers must accept up to
    five bytes for tags and lengths, and upb refuses beyond)."""
    if width == 1:
        return bytes([value])
    return bytes([value | 0x80, *([0x80] * (width - 2)), 0x00])


def _with_lines(partner: str, counts: Sequence[int]) -> list[ingest_pb2.Event]:
    """The partner's first order or customs event, with each count of goods lines."""
    base = next(e for e in _BASE[partner] if e.WhichOneof("body") in {"order", "customs"})
    events = []
    for count in counts:
        event = ingest_pb2.Event()
        event.CopyFrom(base)
        event.event_id = f"lines-{count}"
        body = getattr(event, event.WhichOneof("body"))
        del body.lines[:]
        for i in range(count):
            body.lines.add(item_no=str(i), quantity=1, unit_price="1.00", total_price="1.00")
        events.append(event)
    return events


@pytest.mark.parametrize("partner", ["TMALL", "JNAGENT"])
async def test_events_at_and_over_the_lines_limit_get_python_s_answer(partner: str) -> None:
    """Both paths take MAX_LINES lines and refuse one line more."""
    events = _with_lines(partner, (MAX_LINES, MAX_LINES + 1))
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        await pair.post(partner, events)
        await pair.post(partner, events[:1])
        assert _fast_share(pair) > 0, "the native path judged the event at the limit"


def _clear_validation_plans() -> None:
    validation.forget_plans()


@pytest.fixture
def contract_changed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change one field's rule in the contract, as an edit of its options in ingest.proto
    and `make proto` would: both paths read it from `contract.rules()` (the validator's
    length table is built from it at import, so it is rebuilt here as the lead's
    test_contract.py does)."""

    def change(message: str, field: str, **changes: object) -> None:
        rules = {
            name: tuple(
                dataclasses.replace(r, **changes) if (name, r.name) == (message, field) else r
                for r in fields_
            )
            for name, fields_ in contract.rules().items()
        }
        monkeypatch.setattr(contract, "rules", lambda: MappingProxyType(rules))
        limits = {(m, r.name): r.max_length for m, rs in rules.items() for r in rs if r.is_string}
        monkeypatch.setattr(validation, "_LIMITS", limits)
        monkeypatch.setattr(validation, "_MIN_MAX_LEN", min(limits.values()))
        _clear_validation_plans()

    yield change
    monkeypatch.undo()
    _clear_validation_plans()


async def _both_hold_location_to(limit: int) -> None:
    """A parcel's location of `limit` characters is taken (by the native path itself), one
    of `limit` + 1 refused, by both paths alike."""
    base = next(e for e in _BASE["ZTO"] if e.WhichOneof("body") == "parcel")
    events = [_with(base, ("parcel", "location"), "张" * n) for n in (limit, limit + 1)]
    for i, event in enumerate(events):
        event.event_id = f"location-{i}"
    now = _AFTER + timedelta(minutes=5)
    assert validation.validate_event(events[0], now) == []
    (violation,) = validation.validate_event(events[1], now)
    assert (violation.code, violation.field) == ("too_long", "parcel.location")
    async with _pair(now) as pair:
        await pair.post("ZTO", events)
        assert _fast_share(pair) == 0.5, "the one within the limit is the native path's"


async def test_both_paths_hold_a_string_to_its_max_length_in_ingest_proto() -> None:
    await _both_hold_location_to(contract.rule("ParcelEvent", "location").max_length)


async def test_a_length_changed_in_the_contract_changes_both_paths(
    contract_changed: Callable[..., None],
) -> None:
    """ParcelEvent.location's max_length changed in the contract (as an edit of ingest.proto
    and `make proto` would): both paths follow, with no other change."""
    contract_changed("ParcelEvent", "location", max_length=8)
    await _both_hold_location_to(8)


@pytest.mark.parametrize("partner", ["TMALL", "JNAGENT"])
async def test_the_native_path_takes_the_lines_limit_from_the_contract(
    partner: str, contract_changed: Callable[..., None]
) -> None:
    """A `max_items` of `lines` changed in the contract is both paths' limit."""
    message = "OrderEvent" if partner == "TMALL" else "CustomsEvent"
    contract_changed(message, "lines", max_items=3)
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        await pair.post(partner, _with_lines(partner, (3, 4)))
        assert _fast_share(pair) == 0.5, "3 lines are the native path's, 4 Python's to refuse"


@pytest.mark.parametrize("width", [1, 2, 5, 6, 10])
@pytest.mark.parametrize("where", ["tag", "length"])
async def test_padded_tags_and_lengths_get_python_s_answer(where: str, width: int) -> None:
    raw = _small_parcel()
    tag, length = (_padded(0x0A, width), bytes([len(raw)]))
    if where == "length":
        tag, length = b"\x0a", _padded(len(raw), width)
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        sent = {**PROTOBUF, "Authorization": "Bearer key-ZTO"}
        body = tag + length + raw
        fast = await pair.fast.http.post("/v1/events", content=body, headers=sent)
        python = await pair.python.http.post("/v1/events", content=body, headers=sent)
        assert fast.status_code == python.status_code == (202 if width <= 5 else 400)
        assert _answer(fast) == _answer(python)
        assert [_comparable(r) for r in pair.fast.publisher.records] == [
            _comparable(r) for r in pair.python.publisher.records
        ]


class _Failing:
    """The real native path, whose judging fails as a Rust panic does."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def decode(self, body: bytes, max_events: int, max_event_bytes: int) -> Any:
        return self._real.decode(body, max_events, max_event_bytes)

    def judge(self, decoded: Any, **_: Any) -> Any:
        raise native.PanicException("byte index 3 is not a char boundary; it is inside '张'")


async def test_a_failing_native_path_leaves_the_request_to_python(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        fast_path = pair.fast.app_state.fast_path
        fast_path._native = _Failing(fast_path._native)
        await pair.post("ZTO", _BASE["ZTO"][:20])  # the same answer and records as Python's
        name = "quanhub_gateway_fast_path_failures_total"
        assert pair.fast.metrics.get_sample_value(name) == 1.0
        assert _fast_share(pair) == 0.0
    logged = capsys.readouterr()
    assert "native_fast_path_failed" in logged.out + logged.err
    assert "张" not in logged.out + logged.err, "a panic's message is never logged"


@pytest.mark.parametrize(
    ("message", "number", "changes"),
    [
        pytest.param("ParcelEvent", 8, {"format": "postcode"}, id="a format it does not know"),
        pytest.param("ParcelEvent", 8, {"personal": "iris"}, id="a personal kind it does not know"),
        pytest.param("ParcelEvent", 8, {"class": "secret"}, id="a class it does not know"),
        pytest.param("ParcelEvent", 99, {"name": "new_field"}, id="a field the schema lacks"),
        pytest.param("ParcelEvent", 8, {"name": "place"}, id="a field of another name"),
    ],
)
async def test_a_contract_the_native_module_cannot_serve_is_not_used(
    monkeypatch: pytest.MonkeyPatch, message: str, number: int, changes: dict[str, str]
) -> None:
    """A module built before the contract gained a format, kind or class (or handed a table
    that is not the schema's) is not used: the gateway runs on Python alone."""
    table = contract.native_table()
    rule = table["messages"][message].get(number) or dict(table["messages"][message][8])
    table["messages"][message][number] = {**rule, **changes}
    monkeypatch.setattr(contract, "native_table", lambda: table)
    async with _gateway(native_path=True, now=NOW, expect_fast=False) as gateway:
        assert gateway.metrics.get_sample_value("quanhub_gateway_fast_path_enabled") == 0.0
    monkeypatch.undo()
    async with _gateway(native_path=True, now=NOW) as gateway:
        assert gateway.metrics.get_sample_value("quanhub_gateway_fast_path_enabled") == 1.0


# --- free text quoting numbers (quanhub.common.freetext) ---------------------------------

#: The characters the native path accepts in free text (rules.rs text_char).
_NATIVE_ALPHABET = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0x4E00, 0xA000)]
    + ["\u3001", "\u3010", "\u3011", "\uff0c", "\uff1a"]
)


def test_every_native_character_is_read_as_scrub_text_reads_it() -> None:
    """Each character as a digit (eleven of it), and as what joins two runs of digits."""
    for char in _NATIVE_ALPHABET:
        for text in (char * 11, f"1234{char}567", f"138{char}{char}12345678"):
            assert native.scrub_text(text) == scrub_text(text), repr(text)
    assert native.scrub_text("\uff11") is None, "a character it does not read goes to Python"


_CHINESE_NUMERALS = "零一二三四五六七八九幺壹贰貳叁參肆伍陆陸柒捌玖"
_FREE_TEXT = st.lists(
    st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=12),
        st.sampled_from(
            [
                " ",
                "-",
                "--",
                ".",
                "/",
                ":",
                "~",
                "_",
                "*",
                "+86",
                "(",
                ")",
                "、",
                "\uff0c",
                "\uff1a",
                "【",
                "】",
                " - ",
                "  ",
                "x",
                "X",
                "ID",
                "tel:",
                "电话",
                "身份证",
                "已签收",
                "济南",
                "号",
            ]
        ),
        st.text(alphabet=_CHINESE_NUMERALS, min_size=1, max_size=11),
        st.builds(
            "{}-{}-{}".format, st.integers(1890, 2110), st.integers(0, 13), st.integers(0, 32)
        ),
        st.builds("{:02d}:{:02d}".format, st.integers(0, 25), st.integers(0, 61)),
        st.builds(
            "{:02d}:{:02d}:{:02d}".format,
            st.integers(0, 24),
            st.integers(0, 60),
            st.integers(0, 60),
        ),
        st.builds(
            "{}/{:02d}/{:02d} {:02d}:{:02d}".format,
            st.integers(1999, 2021),
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(0, 24),
            st.integers(0, 60),
        ),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=EXAMPLES * 10, deadline=None)
@given(_FREE_TEXT)
def test_the_native_scrub_is_python_s(text: str) -> None:
    assert native.scrub_text(text) == scrub_text(text)


_SPELLINGS = [
    "电话 138 1234 5678",
    "138-1234-5678",
    "8613812345678",
    "+86 138.1234.5678",
    "370102 19900101 1234",
    "370102900101123",
    "ID370102199001011234X",
    "幺三八 幺二三四 五六七八",
    "座机0531-8888 1234",
    "2026-12-04 10:30 已签收",
    "09:00-18:00",
    "12栋3单元301室",
]


def _free_text_paths(body: str) -> list[tuple[str, ...]]:
    """The path of every field quanhub.common.fields classes as free text under `body` (goods
    lines' under theirs): the classification, not a list restated here."""
    free_text = fields.free_text()
    descriptor = ingest_pb2.Event.DESCRIPTOR.fields_by_name[body].message_type
    assert descriptor is not None
    paths: list[tuple[str, ...]] = [(body, name) for name in free_text.get(descriptor.name, ())]
    if "lines" in descriptor.fields_by_name:
        paths += [(body, "lines", name) for name in free_text.get("GoodsLine", ())]
    return paths


def test_the_native_path_scrubs_the_fields_the_contract_classes_free_text() -> None:
    """Which fields are free text is the contract's `field_class`: the native path scrubs
    what the table it is handed classes so, no more."""
    limits = parsing.BodyLimits(
        max_body_bytes=2**22,
        max_events=10,
        max_event_bytes=2**20,
        max_string_chars=10**6,
        max_json_depth=32,
        max_json_body_bytes=2**22,
        max_json_values=10**6,
    )
    handed = fastpath.tables(limits)
    parcel = handed["contract"]["messages"]["ParcelEvent"]
    location = next(n for n, r in parcel.items() if r["name"] == "location")
    parcel[location] = {**parcel[location], "class": "identifier"}
    fast = native.FastPath(**handed, secret=b"s" * 32, namespace=b"n" * 16)
    assert "location" not in fast.free_text()["ParcelEvent"]
    event = next(e for e in _BASE["ZTO"] if e.WhichOneof("body") == "parcel")
    event = _with(_with(event, ("parcel", "vehicle_no"), "13812345678"), ("trace_id",), "")
    event = _with(event, ("parcel", "location"), "13812345678")
    body = ingest_pb2.PublishRequest(events=[event]).SerializeToString()
    decoded = fast.decode(body, 10, 1 << 19)
    assert decoded is not None
    (prepared,) = fast.judge(
        decoded,
        partner="ZTO",
        kind=1,
        own_carrier="ZTO",
        customs_code=None,
        latest_us=validation.latest_us(_AFTER + timedelta(minutes=5)),
        max_event_bytes=2**20,
        head=b"",
        ingress=b"",
        trace_id=TRACE,
    )
    assert prepared is not None
    written = canonical_pb2.RawEnvelope.FromString(prepared[3]).event.parcel
    assert (written.vehicle_no, written.location) == ("138****5678", "13812345678")


def _texts_in_records(records: Sequence[Any], paths: Sequence[tuple[str, ...]]) -> list[str]:
    """The free texts at `paths` of the events inside the records' raw envelopes."""
    texts = []
    for record in records:
        event: Any = canonical_pb2.RawEnvelope.FromString(record.value).event
        for path in paths:
            target = event
            for name in path[:-1]:
                target = getattr(target, name)
                if not isinstance(target, Message):
                    target = target[0]
            texts.append(getattr(target, path[-1]))
    return texts


@pytest.mark.parametrize("partner", ["TMALL", "ZTO", "JNAGENT"])
async def test_free_text_quoting_numbers_gets_python_s_records(partner: str) -> None:
    """Every free-text field of an event (short ones like vehicle_no, unit, origin_country,
    statistics_flag, codes; item names) quoting a number in each spelling the
    native path reads: the same records as Python's, and no digit group left to mask in
    the raw envelope either path wrote."""
    base = _BASE[partner][0]
    paths = _free_text_paths(base.WhichOneof("body") or "")
    variants = [_with(base, path, text) for path in paths for text in _SPELLINGS]
    now = _AFTER + timedelta(minutes=5)
    valid = [v for v in variants if not validation.validate_event(v, now)]
    assert len(valid) >= len(variants) - len(_SPELLINGS), "one field at most refuses them"
    async with _pair(now) as pair:
        fast_records, python_records = pair.fast.publisher.records, pair.python.publisher.records
        await pair.post(partner, valid)  # records compared, then cleared: look first
        assert len(fast_records) == 0
        body = ingest_pb2.PublishRequest(events=valid).SerializeToString()
        sent = {**PROTOBUF, "Authorization": f"Bearer key-{partner}"}
        for gateway in (pair.fast, pair.python):
            assert (await gateway.http.post("/v1/events", content=body, headers=sent)).is_success
        assert len(fast_records) == len(python_records) == len(valid)
        for text in _texts_in_records([*fast_records, *python_records], paths):
            assert scrub_text(text) == text, "a digit group the scrubber masks is in clear"
        fast_records.clear()
        python_records.clear()
        assert _fast_share(pair) == 1.0, "the native path scrubs them itself"
        await pair.post(partner, variants)
        await pair.post(partner, [_with(variants[0], path, "\uff11" * 11) for path in paths])
        assert _fast_share(pair) < 1.0, "fullwidth digits are Python's to scrub"


def _with(base: ingest_pb2.Event, path: tuple[str, ...], text: str) -> ingest_pb2.Event:
    event = ingest_pb2.Event()
    event.CopyFrom(base)
    _set(event, path, text)
    return event


_TRACE_IDS = [
    "",
    TRACE,
    "4bf92f35-77b3-4da6-a3ce-929d0e0e4736",
    "370102199001011234",
    "13812345678",
    "37010219900101123400000000000000",
    "4bf92f35-1381-2345-a3ce-929d0e0e4736",
    "00000000000000000000000000000000",
    TRACE.upper(),
    "张三",
    "trace-1",
]
_HEX = "0123456789abcdef-"


@given(
    st.one_of(
        st.sampled_from(_TRACE_IDS),
        st.text(_HEX, min_size=30, max_size=38),
        st.builds(
            lambda s: s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:],
            st.text(_HEX[:16], min_size=32, max_size=32),
        ),
        st.text(max_size=40),
    )
)
@settings(max_examples=EXAMPLES)
def test_the_native_trace_id_rule_is_python_s(value: str) -> None:
    assert native.is_safe_trace_id(value) == is_safe_trace_id(value)


@pytest.mark.parametrize("partner", ["TMALL", "ZTO", "JNAGENT"])
async def test_events_with_unsafe_trace_ids_get_python_s_records(partner: str) -> None:
    """Each event trace id, safe or carrying a phone or ID number: the native path keeps or
    replaces it as Python does (the same records), and the fast path takes them all."""
    events = [_with(_BASE[partner][0], ("trace_id",), trace) for trace in _TRACE_IDS]
    for i, event in enumerate(events):
        event.event_id = f"trace-{i}"
    async with _pair(_AFTER + timedelta(minutes=5)) as pair:
        await pair.post(partner, events)
        assert _fast_share(pair) == 1.0

"""W3C traceparent read as Trace Context Level 1 says, and written as the hub's own span."""

from __future__ import annotations

import re

import pytest

from quanhub.common.tracecontext import (
    TraceParent,
    child_traceparent,
    format_traceparent,
    new_span_id,
    parse_traceparent,
    safe_trace_id_of,
    w3c_trace_id,
)
from quanhub.common.tracehttp import current_trace, resolve_trace

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
VALID = f"00-{TRACE}-{SPAN}-01"
#: A valid W3C trace-id holding an ID number's 18 digits: the hub may not keep it.
UNSAFE_TRACE = "37010219900101123400000000000abc"
_FORMAT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]")


def test_the_w3c_example_is_read() -> None:
    assert parse_traceparent(VALID) == TraceParent(TRACE, SPAN, sampled=True)
    assert parse_traceparent(VALID.encode()) == TraceParent(TRACE, SPAN, sampled=True)


@pytest.mark.parametrize(
    ("flags", "sampled"), [("00", False), ("01", True), ("03", True), ("02", False), ("ff", True)]
)
def test_only_the_sampled_bit_of_the_flags_is_read(flags: str, sampled: bool) -> None:
    parsed = parse_traceparent(f"00-{TRACE}-{SPAN}-{flags}")
    assert parsed is not None
    assert parsed.sampled is sampled


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        f"ff-{TRACE}-{SPAN}-01",  # version ff is forbidden
        f"0-{TRACE}-{SPAN}-01",
        f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace-id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent-id
        f"00-{TRACE.upper()}-{SPAN}-01",  # uppercase hex
        f"00-{TRACE}-{SPAN.upper()}-01",
        f"0A-{TRACE}-{SPAN}-01",
        f"00-{TRACE}-{SPAN}-0A",
        f"00-{TRACE[:-1]}-{SPAN}-01",  # lengths
        f"00-{TRACE}0-{SPAN}-01",
        f"00-{TRACE}-{SPAN[:-1]}-01",
        f"00-{TRACE}-{SPAN}-1",
        f"{VALID}-extra",  # version 00 is exactly 55 characters
        f"{VALID} ",
        f"00_{TRACE}_{SPAN}_01",
        f"00-{TRACE}-{SPAN}-0g",
        f"00-{TRACE[:-1]}g-{SPAN}-01",
        "00-张三-" + SPAN + "-01",
        b"\xff" * 55,
    ],
)
def test_an_invalid_traceparent_is_ignored(value: str | bytes | None) -> None:
    assert parse_traceparent(value) is None
    assert safe_trace_id_of(value) == ""


def test_a_later_version_may_carry_more_after_a_dash() -> None:
    assert parse_traceparent(f"01-{TRACE}-{SPAN}-01-whatever") == TraceParent(TRACE, SPAN, True)
    assert parse_traceparent(f"01-{TRACE}-{SPAN}-01") == TraceParent(TRACE, SPAN, True)
    assert parse_traceparent(f"01-{TRACE}-{SPAN}-01x") is None


def test_a_valid_trace_id_that_could_carry_personal_data_is_not_kept() -> None:
    value = f"00-{UNSAFE_TRACE}-{SPAN}-01"
    assert parse_traceparent(value) is not None  # valid W3C
    assert safe_trace_id_of(value) == ""
    assert safe_trace_id_of(VALID) == TRACE


def test_the_hub_writes_version_00_with_its_own_span() -> None:
    written = child_traceparent(TRACE)
    assert _FORMAT.fullmatch(written)
    parsed = parse_traceparent(written)
    assert parsed is not None
    assert parsed.trace_id == TRACE
    assert parsed.parent_id != SPAN
    assert parsed.sampled
    assert format_traceparent(TRACE, SPAN, sampled=False) == f"00-{TRACE}-{SPAN}-00"


def test_a_uuid_trace_id_is_written_as_its_32_hex_digits() -> None:
    uuid_form = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    assert w3c_trace_id(uuid_form) == TRACE
    assert format_traceparent(uuid_form, SPAN) == VALID


def test_span_ids_are_fresh_and_never_all_zero() -> None:
    spans = {new_span_id() for _ in range(1000)}
    assert len(spans) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{16}", s) and s != "0" * 16 for s in spans)


def test_a_request_keeps_a_safe_traceparent_and_its_sampling() -> None:
    trace = resolve_trace(f"00-{TRACE}-{SPAN}-00", None)
    assert (trace.trace_id, trace.sampled, trace.replaced) == (TRACE, False, "")
    assert trace.span_id != SPAN
    assert trace.traceparent == f"00-{TRACE}-{trace.span_id}-00"


def test_traceparent_wins_over_x_trace_id() -> None:
    other = "0af76519a6cd43dd8448eb211c8a319c"
    assert resolve_trace(VALID, other).trace_id == TRACE
    assert resolve_trace(None, other).trace_id == other


@pytest.mark.parametrize(
    ("traceparent", "x_trace_id", "replaced"),
    [
        (f"00-{UNSAFE_TRACE}-{SPAN}-01", None, "unsafe"),
        ("00-not-a-traceparent", None, "invalid"),
        (None, "13812345678", "unsafe"),
        (f"00-{UNSAFE_TRACE}-{SPAN}-01", "13812345678", "unsafe"),
    ],
)
def test_a_trace_id_not_kept_is_replaced_and_said_so(
    traceparent: str | None, x_trace_id: str | None, replaced: str
) -> None:
    trace = resolve_trace(traceparent, x_trace_id)
    assert trace.replaced == replaced
    assert trace.trace_id not in {UNSAFE_TRACE, x_trace_id}
    assert _FORMAT.fullmatch(trace.traceparent)


def test_no_trace_given_starts_one_sampled() -> None:
    trace = resolve_trace(None, None)
    assert (trace.sampled, trace.replaced) == (True, "")
    assert trace.trace_id != resolve_trace(None, None).trace_id


def test_outside_a_request_the_current_trace_is_a_new_one() -> None:
    first, second = current_trace(), current_trace()
    assert first.trace_id != second.trace_id
    assert (first.sampled, first.replaced) == (True, "")

"""Trace ids the hub keeps: a partner's own when its form cannot carry text, else the hub's.

A trace id travels further than any field: Kafka headers, envelopes, the canonical event,
the ledger, feeds and every log line of a request. A partner-chosen string there would
carry whatever it holds (an ID number, a phone, a name) past the masking of personal
fields, so the hub keeps a partner's trace id only in a form that is an id and nothing
else: a W3C trace-id (32 lowercase hex digits, not all zeros) or a lowercase UUID, with no
run of 7 or more decimal digits, dashes
between them or not (the run the free-text scrubber masks: a phone or ID number spelled
inside hex). Anything else is replaced by a trace id of the hub's making. The
native fast path (services/gateway/native, `is_safe_trace_id`) applies the same rule.
"""

from __future__ import annotations

import re
import uuid

__all__ = ["is_safe_trace_id", "new_trace_id"]

_FORM = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Seven decimal digits in a row, a UUID's dashes between them or not.
_DIGIT_RUN = re.compile(r"[0-9](?:-?[0-9]){6}")


def is_safe_trace_id(value: str) -> bool:
    """True when `value` is a trace id the hub may keep as given."""
    return (
        _FORM.fullmatch(value) is not None
        and value.strip("0-") != ""
        and _DIGIT_RUN.search(value) is None
    )


def new_trace_id() -> str:
    """A fresh W3C trace-id that `is_safe_trace_id` accepts (one in three random ids has a
    digit run; another is drawn)."""
    while True:
        candidate = uuid.uuid4().hex
        if is_safe_trace_id(candidate):
            return candidate

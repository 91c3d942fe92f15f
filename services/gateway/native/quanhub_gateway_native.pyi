"""The gateway's per-event fast path (Rust): see services/gateway/native/src/lib.rs."""

from collections.abc import Mapping, Set
from typing import Any

def murmur2(data: bytes) -> int:
    """Kafka's murmur2 of a key, unsigned."""

def scrub_text(text: str) -> str | None:
    """The native path's scrub_text of a free text; None for one it leaves to Python."""

def is_safe_trace_id(value: str) -> bool:
    """The native path's quanhub.common.traceids.is_safe_trace_id."""

class PanicException(BaseException):
    """A panic in the native code."""

class FastPath:
    def __init__(
        self,
        *,
        contract: Mapping[str, Any],
        schema: Mapping[str, Any],
        kinds: list[str],
        carriers: Mapping[str, str],
        values: Mapping[str, Set[str]],
        receipts: Set[str],
        max_string_chars: int,
        earliest_us: int,
        min_seconds: int,
        max_seconds: int,
        secret: bytes,
        namespace: bytes,
    ) -> None:
        """Built over `contract.native_table()` and `fastpath.schema()`; ValueError when it
        cannot serve them."""
    def tables(self) -> dict[str, object]:
        """What it was built from, by the names `__init__` takes them (no secret, namespace)."""
    def free_text(self) -> dict[str, list[str]]:
        """Message name -> the free-text fields it scrubs, by field number."""
    def parties(self) -> dict[str, list[tuple[str, str]]]:
        """Body -> (token path, kind) of each personal field, in the order tokens are written."""
    def matches_format(self, name: str, value: str) -> bool:
        """Whether `value` has the named format (ValueError for an unknown name)."""
    def decode(self, body: bytes, max_events: int, max_event_bytes: int) -> Decoded | None:
        """The request's events, decoded and not judged (without the GIL); None: the whole
        body is Python's (among other reasons, an event over `max_event_bytes`)."""
    def judge(
        self,
        decoded: Decoded,
        *,
        partner: str,
        kind: int | None,
        own_carrier: str,
        customs_code: str | None,
        latest_us: int,
        max_event_bytes: int,
        head: bytes,
        ingress: bytes,
        trace_id: str,
    ) -> list[tuple[int, bytes, int, bytes, bytes, bytes] | None]:
        """Per decoded event, in order: None (Python judges it) or (kind 0/1/2, key, key's
        murmur2, envelope, event id, trace id). Takes the events out of `decoded`."""

class Decoded:
    """A request's events, decoded by FastPath.decode and not yet judged."""

    def __len__(self) -> int: ...

"""The gateway's per-event fast path (Rust): see services/gateway/native/src/lib.rs."""

from collections.abc import Set

#: (message, field, number) of every ingest.proto field the fast path reads and writes.
SCHEMA: list[tuple[str, str, int]]

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
        carriers: dict[str, str],
        trade_modes: Set[str],
        receipts: Set[str],
        max_len: dict[str, int],
        default_max_len: int,
        max_string_chars: int,
        earliest_us: int,
        min_seconds: int,
        max_seconds: int,
        max_lines: int,
        free_text: dict[str, list[str]],
        secret: bytes,
        namespace: bytes,
    ) -> None: ...
    def tables(self) -> dict[str, object]:
        """The tables and limits it judges by, by the names `__init__` takes them."""
    def decode(self, body: bytes, max_events: int) -> Decoded | None:
        """The request's events, decoded and not judged; None: the whole body is Python's."""
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

"""One ledger row as the writer copies it into PostgreSQL (column order is the COPY order)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any


@dataclass(slots=True)
class LedgerRow:
    """A decoded canonical event, flattened to the ledger_events columns (minus seq).

    Not frozen: a frozen dataclass pays a setattr detour per field, and the consumer makes
    thousands of these per batch; nothing mutates them after decoding.
    """

    event_id: uuid.UUID
    kind: str
    source_partner: str
    source_event_id: str
    partner_role: str
    code_system: str
    raw_code: str
    raw_text: str
    unmapped_code: bool
    occurred_at: datetime
    received_at: datetime
    recorded_at: datetime
    status_time: datetime
    trace_id: str
    carrier_id: str
    waybill_no: str
    platform_code: str
    order_no: str
    declaration_id: uuid.UUID | None
    declarant: str
    document: str
    cop_no: str
    status: str
    sub_status: str
    phase: int
    rank: int
    district_code: str
    delivery_point: str
    delivery_point_id: str
    location: str
    e_waybill: bool | None
    transit_bag: str
    message_type: str
    is_receipt: bool
    return_status: str
    return_time: datetime | None
    return_info: str
    trade_mode: str
    ie_flag: str
    body: str | None
    canonical: bytes
    kafka_topic: str
    kafka_partition: int
    kafka_offset: int

    def record(self) -> tuple[Any, ...]:
        """The values in COLUMNS order, for COPY (shallow: astuple would deep-copy)."""
        return _RECORD(self)

    def has_nul(self) -> bool:
        """True if a text value holds a NUL character (PostgreSQL text and jsonb cannot)."""
        body = self.body
        return "\x00" in "".join(_TEXTS(self)) or (body is not None and "\x00" in body)


#: ledger_events columns the writer stages, in LedgerRow field order.
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(LedgerRow))
_RECORD = attrgetter(*COLUMNS)
#: The columns that always hold a str (body, str or None, is checked on its own).
_TEXTS = attrgetter(*(f.name for f in fields(LedgerRow) if f.type == "str"))

"""The contract's named formats (options.proto `Format`), each implemented once in Python.

The gateway's native path implements each once in Rust. Both are held to one table of
examples, `tests/corpus/formats.json`, which both test suites read: a format changed in
one language and not the other fails there.

Numbers and codes are ASCII: a bare \\d (and int(), Decimal()) also reads other scripts'
digits, so fullwidth 30000.00 would pass as 30000 and count as nothing in SQL, which reads
ASCII digits only.

Facts: trade modes, ie_flag and the returnTime format from ../shared/reference/customs.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import NamedTuple

from quanhub.common.carriers import resolve_carrier
from quanhub.common.contract import Format

__all__ = ["FORMATS", "KNOWN_TRADE_MODES", "PATTERNS", "VALUES", "Check", "parse_return_time"]

#: Supervision modes (customs.md "Supervision modes").
KNOWN_TRADE_MODES = frozenset({"9610", "1210", "9710", "9810", "1239"})
#: China Standard Time, in which customs writes returnTime.
CST = timedelta(hours=8)


class Check(NamedTuple):
    """A format's test, the violation code it gives and what the message says of it."""

    #: Truthy when the value has the format (a regex's fullmatch itself, not wrapped: the
    #: validator calls it for every set field of every event).
    matches: Callable[[str], object]
    code: str
    why: str


#: The formats that are a regular expression (matched whole), as JSON Schema's `pattern`
#: gives them to partners too (quanhub.common.jsonschema).
PATTERNS: Mapping[Format, str] = MappingProxyType(
    {
        Format.EVENT_ID: r"[\x21-\x7e]{1,128}",
        Format.WAYBILL: r"[A-Za-z0-9-]{6,40}",
        Format.DECIMAL: r"[0-9]{1,13}(\.[0-9]{1,4})?",
        Format.DISTRICT: r"[0-9]{6}",
        Format.CURRENCY: r"[A-Z]{3}",
        Format.CEB_MESSAGE: r"CEB[0-9]{3}",
        Format.RETURN_TIME: r"[0-9]{17}",
    }
)
#: The formats that are a closed list of values.
VALUES: Mapping[Format, frozenset[str]] = MappingProxyType(
    {
        Format.TRADE_MODE: KNOWN_TRADE_MODES,
        Format.IE_FLAG: frozenset({"I", "E"}),
    }
)


_RETURN_TIME = re.compile(PATTERNS[Format.RETURN_TIME])


def parse_return_time(value: str) -> datetime | None:
    """yyyyMMddHHmmssSSS in China Standard Time as an aware UTC instant, or None if invalid."""
    if not _RETURN_TIME.fullmatch(value):
        return None
    # Fixed-width fields, as strptime("%Y%m%d%H%M%S") reads 14 digits (a field it would read
    # shorter leaves digits over, which it refuses too), at a tenth of its cost.
    try:
        local = datetime(
            int(value[:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
            int(value[14:]) * 1000,
            tzinfo=UTC,
        )
        return local - CST
    except (ValueError, OverflowError):  # no such date; or before 0001-01-01T08:00 CST
        return None


def _regex(form: Format, why: str) -> Check:
    return Check(re.compile(PATTERNS[form]).fullmatch, "invalid_format", why)


def _one_of(values: frozenset[str], why: str) -> Check:
    return Check(values.__contains__, "invalid_format", why)


#: Format -> its check. Every `Format` but NONE has one (a unit test holds that).
FORMATS: Mapping[Format, Check] = MappingProxyType(
    {
        Format.EVENT_ID: _regex(Format.EVENT_ID, "must be 1-128 printable ASCII"),
        Format.WAYBILL: _regex(Format.WAYBILL, "must be 6-40 letters, digits or '-'"),
        Format.DECIMAL: _regex(Format.DECIMAL, "must be a non-negative decimal string like 199.00"),
        Format.DISTRICT: _regex(Format.DISTRICT, "must be a six-digit code"),
        Format.CURRENCY: _regex(Format.CURRENCY, "must be an ISO 4217 code"),
        Format.CEB_MESSAGE: _regex(Format.CEB_MESSAGE, "must be like CEB621"),
        Format.RETURN_TIME: Check(
            parse_return_time,  # a datetime (truthy) or None
            "invalid_format",
            "must be 17 digits yyyyMMddHHmmssSSS",
        ),
        Format.TRADE_MODE: _one_of(
            VALUES[Format.TRADE_MODE], f"must be one of {', '.join(sorted(KNOWN_TRADE_MODES))}"
        ),
        Format.IE_FLAG: _one_of(VALUES[Format.IE_FLAG], "must be I or E"),
        # Never quote the value: a message travels into dead-letter headers and logs.
        Format.CARRIER: Check(
            resolve_carrier,  # the hub's carrier id (a non-empty string) or None
            "unknown_carrier",
            "names no carrier the hub knows",
        ),
        Format.RECEIPT_STATUS: Check(
            lambda value: len(value) <= 10, "invalid_format", "is 1-10 characters"
        ),
    }
)

"""One page of alerts from everything found: order, filters, keyset cursor, counts."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from datetime import datetime

from quanhub.ledger.alerts.model import Alert, AlertCount, AlertKind
from quanhub.ledger.errors import InvalidQuery


def encode_cursor(alert: Alert) -> str:
    """The cursor after `alert` (alerts are ordered by since, then key)."""
    raw = f"{alert.since.isoformat()}\n{alert.key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(since, key) of a cursor; InvalidQuery when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        since, key = raw.split("\n", 1)
        at = datetime.fromisoformat(since)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidQuery("not a cursor of this list") from None
    if at.tzinfo is None:
        raise InvalidQuery("not a cursor of this list")
    return at, key


def in_district(alert: Alert, district: str | None) -> bool:
    """The alert's district is `district` or lies under it (a code prefix)."""
    return district is None or alert.district.startswith(district)


def counts(alerts: list[Alert]) -> list[AlertCount]:
    """Alerts per carrier x district x kind, largest first."""
    tally = Counter((a.carrier, a.district, a.kind) for a in alerts)
    rows = [
        AlertCount(carrier=c, district=d, kind=AlertKind(k), alerts=n)
        for (c, d, k), n in tally.items()
    ]
    return sorted(rows, key=lambda r: (-r.alerts, r.carrier, r.district, r.kind.value))


def page(alerts: list[Alert], limit: int, cursor: str | None) -> tuple[list[Alert], str | None]:
    """The page of `alerts` (sorted here) after `cursor`, and the next page's cursor."""
    ordered = sorted(alerts, key=lambda a: (a.since, a.key))
    if cursor is not None:
        after = decode_cursor(cursor)
        ordered = [a for a in ordered if (a.since, a.key) > after]
    items = ordered[:limit]
    more = len(ordered) > limit
    return items, encode_cursor(items[-1]) if more and items else None

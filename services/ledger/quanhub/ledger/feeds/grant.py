"""An SSE stream's grant: the partner and the key that opened it, checked again while it
runs. A stream is authorised for as long as its key is: each query step checks the key in
the same snapshot as the events it reads, so nothing committed after a disable, revocation
or expiry reaches a stream opened before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from quanhub.common.access.model import Principal, Role
from quanhub.ledger.feeds.conn import Conn

_STILL_VALID = """
SELECT p.code, p.role, p.name, p.customs_code
FROM api_keys k JOIN partners p ON p.code = k.partner_code
WHERE k.id = $1 AND NOT k.revoked AND NOT p.disabled
  AND (k.expires_at IS NULL OR k.expires_at > $2)
"""


@dataclass(frozen=True, slots=True)
class Grant:
    """Who opened a stream, with which key (by id), and when the stream must end."""

    principal: Principal
    key_id: str
    #: time.monotonic() at which the stream reaches its maximum lifetime.
    ends_at: float


async def current_principal(conn: Conn, key_id: str, now: datetime) -> Principal | None:
    """The partner behind the key as the registry says now (no cache); None when the key
    is revoked or expired or its partner disabled."""
    row = await conn.fetchrow(_STILL_VALID, key_id, now)
    if row is None:
        return None
    return Principal(row["code"], Role(row["role"]), row["name"], row["customs_code"])


async def still_granted(conn: Conn, grant: Grant, now: datetime) -> bool:
    """Whether the key is still unrevoked and unexpired, its partner enabled, and the
    partner's role and identity what they were when the stream opened."""
    return await current_principal(conn, grant.key_id, now) == grant.principal

"""Errors of the ledger.

    LedgerError (QuanhubError)
    ├── UndecodableEvent     a canonical topic record that is not a usable CanonicalEvent
    ├── NotFound             no such object, or not visible to the caller (API: 404)
    ├── Forbidden            the caller's role may not use this route (API: 403)
    ├── InvalidQuery         a query parameter the API cannot use, e.g. a bad cursor (API: 400)
    └── EventsRetired        a rebuild or verify asked of a ledger retention has thinned

`UndecodableEvent` is isolated (recorded in `ledger_rejects`, offset advanced); database
errors surface as asyncpg errors and are retried by the consumer loop.
"""

from __future__ import annotations

from quanhub.common.errors import QuanhubError


class LedgerError(QuanhubError):
    """Root of ledger errors."""

    code = "ledger_error"


class UndecodableEvent(LedgerError):
    """The record is not a CanonicalEvent the ledger can store (never retried)."""

    code = "undecodable_event"


class NotFound(LedgerError):
    """The object does not exist or the caller may not see it (the two look the same)."""

    code = "not_found"


class Forbidden(LedgerError):
    """The caller's role may not use this route at all."""

    code = "forbidden"


class InvalidQuery(LedgerError):
    """A query parameter that cannot be used."""

    code = "invalid_query"


class EventsRetired(LedgerError):
    """Retention dropped events the projections still reflect: recomputing from the kept
    events alone would lose them, so rebuild and verify refuse."""

    code = "events_retired"

"""What the query API's routes need from the running app, in one object on app.state.context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg
from fastapi import Request

from quanhub.common.access import AccessListener, KeyAuthenticator
from quanhub.common.clock import Clock
from quanhub.ledger.read.spread import Instances
from quanhub.ledger.settings import LedgerApiSettings

if TYPE_CHECKING:  # fairness reads this context: a runtime import would be circular
    from quanhub.ledger.api.fairness import PartnerFairness


@dataclass(frozen=True, slots=True)
class LedgerApiContext:
    """The API's collaborators, built once by create_app's lifespan."""

    settings: LedgerApiSettings
    clock: Clock
    #: Read-only sessions without JIT (app.READ_SESSION): lists and indicators.
    pool: asyncpg.Pool
    #: The same, with generic plans (app.POINT_SESSION): one parcel, order or declaration.
    point_pool: asyncpg.Pool
    authenticator: KeyAuthenticator
    #: Each partner's rate and slots (quanhub.ledger.api.fairness).
    fairness: PartnerFairness
    #: The LISTEN connection that drops the key cache at registry changes and wakes the
    #: feeds' open streams; None when a test passes its own authenticator.
    access_listener: AccessListener | None = None
    #: A read-only pool on each instance of the shard map (home's: `pool`), when shards
    #: live on several PostgreSQL instances; None on one (read.spread).
    instances: Instances | None = None


def api_context(request: Request) -> LedgerApiContext:
    """The context the lifespan stored on the app (a plain function: the dependencies in
    deps.py call it, so that FastAPI resolves no extra dependency per request)."""
    context: LedgerApiContext = request.app.state.context
    return context

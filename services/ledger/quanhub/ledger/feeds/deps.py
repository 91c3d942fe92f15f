"""The caller of a feed route that opens a stream or changes a subscription, checked afresh.

The API authenticates through a cache that a NOTIFY on `quanhub_access` empties
(`quanhub.common.access.listener`), so a key revoked, or a partner disabled, is refused
within about a second; while that listener is down a verdict lasts 1 s. That is accepted
for reads of the partner's own subscriptions and delivery log, but not where the request
has lasting effects, where even that second matters: a stream would be opened with 200
(and end only at its first step), and a revoked, stolen key could create a subscription
to its own URL that goes on receiving the partner's events. These routes (GET /v1/feed,
and POST, DELETE, resume, replay and redeliver of /v1/subscriptions) check the key
against the registry itself, on the feed pool, and answer 401 at once.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.security.utils import get_authorization_scheme_param

from quanhub.common.access.deps import INVALID_KEY_DETAIL, PrincipalDep, unauthenticated
from quanhub.common.access.keys import parse_key_id
from quanhub.common.access.model import AuthenticationFailed, Principal
from quanhub.common.http import Problem
from quanhub.ledger.feeds.grant import current_principal
from quanhub.ledger.feeds.runtime import FeedRuntime, feed_runtime

RuntimeDep = Annotated[FeedRuntime, Depends(feed_runtime)]


def request_key_id(request: Request) -> str:
    """The id of the registry key the request authenticated with (a key of another shape,
    possible only with a test authenticator, cannot be checked afresh: 401)."""
    _, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
    try:
        return parse_key_id(credentials)
    except AuthenticationFailed as exc:
        raise unauthenticated("this route needs a registry API key", invalid=True) from exc


async def require_fresh_principal(
    request: Request, principal: PrincipalDep, runtime: RuntimeDep
) -> Principal:
    """The authenticated partner, once the registry confirms now (not from the cache) that
    its key is unrevoked and unexpired, the partner enabled and unchanged; 401 otherwise."""
    key_id = request_key_id(request)
    try:
        async with runtime.pool.acquire() as conn:
            current = await current_principal(conn, key_id, runtime.clock.now())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        msg = "the partner registry is unreachable"
        raise Problem(503, "registry_unavailable", msg, headers={"Retry-After": "5"}) from exc
    if current != principal:
        raise unauthenticated(INVALID_KEY_DETAIL, invalid=True)
    return principal


FreshPrincipalDep = Annotated[Principal, Depends(require_fresh_principal)]

"""FastAPI dependencies for both APIs: `PrincipalDep` authenticates the bearer key."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from quanhub.common.access.auth import KeyAuthenticator
from quanhub.common.access.model import AuthenticationFailed, Principal
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.http import Problem

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="PartnerApiKey",
    description="A partner API key (`qh_...`) as issued by `quanhub partners create`.",
)


class AccessContext(Protocol):
    """What `PrincipalDep` reads of an app's typed context: every API's lifespan sets one
    (GatewayContext, LedgerApiContext) on `app.state.context`."""

    @property
    def authenticator(self) -> KeyAuthenticator:
        """The key authenticator of this process."""
        ...


_CHALLENGE = 'Bearer realm="quanhub"'
#: The 401 detail for a key that was sent but is not usable now.
INVALID_KEY_DETAIL = (
    "the API key is unknown, malformed, revoked, expired or its partner is disabled"
)


def unauthenticated(detail: str, *, invalid: bool) -> Problem:
    """The 401 problem with its Bearer challenge (`invalid`: a key was sent but refused)."""
    challenge = f'{_CHALLENGE}, error="invalid_token"' if invalid else _CHALLENGE
    return Problem(401, "unauthenticated", detail, headers={"WWW-Authenticate": challenge})


async def require_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The partner behind `Authorization: Bearer <key>`; 401 problem if absent or invalid.

    The authenticator is the one in the app's context (`AccessContext`).
    """
    if credentials is None:
        raise unauthenticated("send `Authorization: Bearer <API key>`", invalid=False)
    context: AccessContext = request.app.state.context
    authenticator = context.authenticator
    try:
        return await authenticator.authenticate(credentials.credentials)
    except AuthenticationFailed as exc:
        raise unauthenticated(INVALID_KEY_DETAIL, invalid=True) from exc
    except DependencyUnavailable as exc:
        raise Problem(
            503, "registry_unavailable", exc.message, headers={"Retry-After": "5"}
        ) from exc


PrincipalDep = Annotated[Principal, Depends(require_principal)]

"""The gateway's side of publish authorization: a reading role's request is refused whole.

The per-event rules live in quanhub.common.access.publishing, shared with the normalizer.
"""

from __future__ import annotations

from quanhub.common.access import PUBLISHING_ROLES, Principal
from quanhub.common.access.publishing import Refusal, check_publish
from quanhub.gateway.errors import NotAllowedToPublish

__all__ = ["Refusal", "check_publish", "ensure_may_publish"]


def ensure_may_publish(principal: Principal) -> None:
    """Refuse the whole request when the partner's role publishes nothing."""
    if principal.role not in PUBLISHING_ROLES:
        msg = f"a {principal.role.value} partner reads from the hub and cannot publish events"
        raise NotAllowedToPublish(msg)

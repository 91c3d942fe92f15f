"""Deterministic identities: the same source event always gets the same canonical id."""

from __future__ import annotations

import uuid

#: Namespace for canonical event ids; changing it would change every id, so never do.
EVENT_NAMESPACE = uuid.UUID("6f1c9a4e-2d0b-5b8e-9c7a-3e51d2a0b7c4")


def canonical_event_id(partner_code: str, source_event_id: str) -> uuid.UUID:
    """UUIDv5 of (partner, the partner's event id): retries and replays collapse to one id."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{partner_code}\x1f{source_event_id}")

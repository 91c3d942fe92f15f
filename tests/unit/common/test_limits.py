"""The cross-service size limits are one set of constants that both services read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from quanhub.common import limits
from quanhub.gateway.settings import GatewaySettings
from quanhub.normalizer import routing


def test_the_gateway_accepts_events_up_to_the_shared_limit_and_no_larger() -> None:
    assert GatewaySettings(max_event_bytes=limits.MAX_EVENT_BYTES).max_event_bytes == (
        limits.MAX_EVENT_BYTES
    )
    with pytest.raises(ValidationError):
        GatewaySettings(max_event_bytes=limits.MAX_EVENT_BYTES + 1)


def test_the_normalizer_bounds_its_records_by_the_shared_limit() -> None:
    assert routing.MAX_OUTPUT_BYTES == limits.MAX_RECORD_BYTES


def test_an_event_at_the_gateways_limit_leaves_room_for_its_canonical_form() -> None:
    assert limits.MAX_EVENT_BYTES + limits.CANONICAL_HEADROOM_BYTES <= limits.MAX_RECORD_BYTES
    assert limits.MAX_RECORD_BYTES < 1024 * 1024  # Kafka's default request limit

"""Secret rotation through the real API, dispatcher, PostgreSQL and an HTTP receiver: during
the overlap deliveries verify with the old and the new secret (PyPI `standardwebhooks`, and
the hub's own verifier for its scheme); after it, with the new one only. The overlap's end
is reached by rotating with the API's clock set back, never by waiting."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from quanhub.common.access import Role
from quanhub.common.clock import FixedClock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.feeds.signing import verify_signature

from .api_app import make_app, serving
from .support import Receiver, append_to_ledger, parcel_event, running_receiver, wait_until
from .test_dispatcher import _settings, dispatching

pytestmark = pytest.mark.integration


async def _subscribe(client: httpx.AsyncClient, auth: dict[str, str], url: str, scheme: str) -> Any:
    created = await client.post(
        "/v1/subscriptions",
        json={"url": url, "kinds": ["parcel"], "signature": scheme},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    return created.json()


async def _rotate(
    client: httpx.AsyncClient, auth: dict[str, str], sub_id: str, body: Any = None
) -> Any:
    rotated = await client.post(
        f"/v1/subscriptions/{sub_id}/rotate-secret", json=body, headers=auth
    )
    assert rotated.status_code == 200, rotated.text
    return rotated.json()


async def test_rotation_signs_with_both_secrets_until_the_overlap_ends(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner: Any
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    auth = {"Authorization": f"Bearer {key}"}
    now = datetime.now(UTC)
    past = FixedClock(now - timedelta(hours=25))
    async with (
        running_receiver(Receiver()) as receiver,
        serving(make_app(database_settings, FeedSettings())) as base,
        serving(make_app(database_settings, FeedSettings(), clock=past)) as past_base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        httpx.AsyncClient(base_url=past_base, timeout=10) as past_client,
    ):
        in_window = await _subscribe(client, auth, receiver.url, "standard-webhooks")
        ended = await _subscribe(client, auth, receiver.url, "standard-webhooks")
        own = await _subscribe(client, auth, receiver.url, "quanhub")
        assert in_window["previous_secret_expires_at"] is None

        # Default overlap (24 h) from now; from 25 h ago, so already over; 10 min, own scheme.
        rotated = await _rotate(client, auth, in_window["id"])
        assert rotated["secret"].startswith("whsec_")
        assert rotated["secret"] != in_window["secret"]
        expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
        assert abs(expires - (now + timedelta(hours=24))) < timedelta(minutes=1)
        rotated_ended = await _rotate(past_client, auth, ended["id"])
        assert datetime.fromisoformat(rotated_ended["previous_secret_expires_at"]) < now
        rotated_own = await _rotate(client, auth, own["id"], {"overlap_seconds": 600})
        shown = await client.get(f"/v1/subscriptions/{own['id']}", headers=auth)
        assert (
            shown.json()["previous_secret_expires_at"] == rotated_own["previous_secret_expires_at"]
        )
        assert "secret" not in shown.json()

        # Bounds and ownership.
        too_long = await client.post(
            f"/v1/subscriptions/{own['id']}/rotate-secret",
            json={"overlap_seconds": 7 * 24 * 3600 + 1},
            headers=auth,
        )
        assert too_long.status_code == 422
        _, other_key = await make_partner(Role.CARRIER)
        foreign = await client.post(
            f"/v1/subscriptions/{own['id']}/rotate-secret",
            headers={"Authorization": f"Bearer {other_key}"},
        )
        assert foreign.status_code == 404

        seqs = await append_to_ledger(
            pool, [parcel_event(carrier.partner_code, f"RT{n:06d}", n) for n in range(4)]
        )
        async with dispatching(_settings(database_settings)):

            async def all_arrived() -> bool:
                return all(
                    len(receiver.accepted_events(s["id"])) >= len(seqs)
                    for s in (in_window, ended, own)
                )

            await wait_until(all_arrived, within=60)

    def requests_of(sub: Any) -> list[Any]:
        return [r for r in receiver.accepted if r.json["subscription_id"] == sub["id"]]

    for request in requests_of(in_window):
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        Webhook(rotated["secret"]).verify(request.body, request.headers)
        Webhook(in_window["secret"]).verify(request.body, request.headers)
    for request in requests_of(ended):
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        Webhook(rotated_ended["secret"]).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(ended["secret"]).verify(request.body, request.headers)
    for request in requests_of(own):
        header = request.headers["quanhub-signature"]
        assert header.count("v1=") == 2
        for secret in (rotated_own["secret"], own["secret"]):
            assert verify_signature(secret, header, request.body, now=int(time.time()))

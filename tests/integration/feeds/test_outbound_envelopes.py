"""Outbound envelopes a subscription may ask for, checked with the partners' own libraries:
Standard Webhooks signatures verified by the PyPI `standardwebhooks` package, CloudEvents
batches parsed by the PyPI `cloudevents` SDK, against a real API, dispatcher, PostgreSQL
and an HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncpg
import httpx
import orjson
import pytest
from cloudevents.v1.http import from_http
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings

from .api_app import make_app, serving
from .support import Receiver, append_to_ledger, parcel_event, running_receiver, wait_until
from .test_dispatcher import _settings, dispatching

pytestmark = pytest.mark.integration


async def test_standard_webhooks_deliveries_verify_with_the_package(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    auth = {"Authorization": f"Bearer {key}"}
    async with (
        running_receiver(Receiver(fail_first=1)) as receiver,
        serving(make_app(database_settings, FeedSettings())) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        created = await client.post(
            "/v1/subscriptions",
            json={"url": receiver.url, "kinds": ["parcel"], "signature": "standard-webhooks"},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert sub["signature"] == "standard-webhooks"
        secret, sub_id = sub["secret"], sub["id"]
        seqs = await append_to_ledger(
            pool, [parcel_event(carrier.partner_code, f"SW{n:06d}", n) for n in range(5)]
        )
        async with dispatching(_settings(database_settings)):

            async def all_arrived() -> bool:
                return len(receiver.accepted_events(sub_id)) >= len(seqs)

            await wait_until(all_arrived, within=60)

    webhook = Webhook(secret)
    for request in receiver.requests:
        assert "quanhub-signature" not in request.headers
        payload = webhook.verify(request.body, request.headers)
        assert payload["subscription_id"] == sub_id
        # The message id is the delivery's, unchanged by the retry.
        assert request.headers["webhook-id"] == payload["delivery_id"]
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    assert [e["seq"] for e in receiver.accepted_events(sub_id)] == seqs
    # A tampered body is refused by the package.
    tampered = receiver.accepted[0].body.replace(b"SW", b"XX")
    with pytest.raises(WebhookVerificationError):
        webhook.verify(tampered, receiver.accepted[0].headers)


async def test_cloudevents_batches_parse_with_the_sdk_and_verify(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    auth = {"Authorization": f"Bearer {key}"}
    async with (
        running_receiver(Receiver()) as receiver,
        serving(make_app(database_settings, FeedSettings())) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        refused = await client.post(
            "/v1/subscriptions",
            json={"transport": "kafka", "signature": "standard-webhooks"},
            headers=auth,
        )
        assert refused.status_code == 422  # kafka records are not signed
        created = await client.post(
            "/v1/subscriptions",
            json={
                "url": receiver.url,
                "kinds": ["parcel"],
                "format": "cloudevents",
                "signature": "standard-webhooks",
            },
            headers=auth,
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert (sub["format"], sub["signature"]) == ("cloudevents", "standard-webhooks")
        shown = await client.get(f"/v1/subscriptions/{sub['id']}", headers=auth)
        assert shown.json()["format"] == "cloudevents"
        seqs = await append_to_ledger(
            pool, [parcel_event(carrier.partner_code, f"CE{n:06d}", n) for n in range(7)]
        )
        async with dispatching(_settings(database_settings, batch_size=3)):

            async def all_arrived() -> bool:
                count = sum(len(orjson.loads(r.body)) for r in receiver.accepted)
                return count >= len(seqs)

            await wait_until(all_arrived, within=60)

    webhook = Webhook(sub["secret"])
    parsed = []
    for request in receiver.accepted:
        assert request.headers["content-type"] == "application/cloudevents-batch+json"
        assert request.headers["quanhub-subscription-id"] == sub["id"]
        batch = webhook.verify(request.body, request.headers)
        assert isinstance(batch, list)
        assert len(batch) <= 3
        parsed.extend(
            from_http({"content-type": "application/cloudevents+json"}, orjson.dumps(element))
            for element in batch
        )
    assert [e.data["seq"] for e in parsed] == seqs
    for event in parsed:
        assert event["specversion"] == "1.0"
        assert event["type"] == "dev.quanhub.parcel.status_changed.v1"
        assert event["id"] == event.data["event_id"]
        assert event["time"] == event.data["occurred_at"]
        assert event["source"] == "/quanhub/ledger"
        assert event.data["source_partner"] == carrier.partner_code

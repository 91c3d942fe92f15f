"""The subscriptions API over HTTP, with the dispatcher delivering for real."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.feeds.signing import verify_signature

from .api_app import make_app, serving
from .support import Receiver, append_to_ledger, parcel_event, running_receiver, wait_until
from .test_dispatcher import _settings, dispatching

pytestmark = pytest.mark.integration


async def test_subscription_lifecycle(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    _, other_key = await make_partner(Role.CARRIER)
    _, analyst_key = await make_partner(Role.ANALYST)
    auth = {"Authorization": f"Bearer {key}"}
    app = make_app(database_settings, FeedSettings(max_subscriptions=3))
    async with (
        running_receiver(Receiver()) as receiver,
        serving(app) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        bad = await client.post(
            "/v1/subscriptions", json={"url": "ftp://x.example/h"}, headers=auth
        )
        assert bad.status_code == 422
        denied = await client.post(
            "/v1/subscriptions",
            json={"url": receiver.url},
            headers={"Authorization": f"Bearer {analyst_key}"},
        )
        assert denied.status_code == 403

        created = await client.post(
            "/v1/subscriptions",
            json={"url": receiver.url, "kinds": ["parcel"], "description": "pickups"},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        secret = sub["secret"]
        assert secret.startswith("whsec_")
        sub_id = sub["id"]

        shown = await client.get(f"/v1/subscriptions/{sub_id}", headers=auth)
        assert shown.status_code == 200
        assert "secret" not in shown.json()
        assert shown.json()["topic"] is None  # a webhook has no feed topic
        assert shown.json()["kinds"] == ["parcel"]
        hidden = await client.get(
            f"/v1/subscriptions/{sub_id}", headers={"Authorization": f"Bearer {other_key}"}
        )
        assert hidden.status_code == 404  # someone else's subscription does not exist

        seqs = await append_to_ledger(
            pool, [parcel_event(carrier.partner_code, f"L{n:05d}", n) for n in range(12)]
        )
        async with dispatching(_settings(database_settings, batch_size=5)):

            async def delivered(count: int) -> bool:
                return len(receiver.accepted_events(sub_id)) >= count

            await wait_until(lambda: delivered(12))
            log = (await client.get(f"/v1/subscriptions/{sub_id}/deliveries", headers=auth)).json()
            assert [d["event_count"] for d in log["items"]] == [2, 5, 5]
            page = await client.get(
                f"/v1/subscriptions/{sub_id}/deliveries", params={"limit": 2}, headers=auth
            )
            rest = await client.get(
                f"/v1/subscriptions/{sub_id}/deliveries",
                params={"limit": 2, "cursor": page.json()["next_cursor"]},
                headers=auth,
            )
            assert [d["id"] for d in page.json()["items"] + rest.json()["items"]] == [
                d["id"] for d in log["items"]
            ]

            oldest = log["items"][-1]
            again = await client.post(
                f"/v1/subscriptions/{sub_id}/deliveries/{oldest['id']}/redeliver", headers=auth
            )
            assert again.status_code == 202
            assert again.json()["redelivery_of"] == oldest["id"]
            await wait_until(lambda: delivered(17))
            assert receiver.accepted[-1].headers["quanhub-delivery-id"] == again.json()["id"]

            replay = await client.post(
                f"/v1/subscriptions/{sub_id}/replay", json={"from_seq": seqs[6]}, headers=auth
            )
            assert replay.status_code == 200
            await wait_until(lambda: delivered(23))
            replayed = [e["seq"] for e in receiver.accepted_events(sub_id)][17:]
            assert replayed == seqs[6:]
            both = await client.post(
                f"/v1/subscriptions/{sub_id}/replay",
                json={"from_seq": 1, "since": "2026-01-01T00:00:00Z"},
                headers=auth,
            )
            assert both.status_code == 422

        for request in receiver.requests:
            signature = request.headers["quanhub-signature"]
            timestamp = int(signature.split(",")[0][2:])
            assert verify_signature(secret, signature, request.body, now=timestamp)

        listed = (await client.get("/v1/subscriptions", headers=auth)).json()
        assert [s["id"] for s in listed["items"]] == [sub_id]
        for _ in range(2):
            more = await client.post("/v1/subscriptions", json={"url": receiver.url}, headers=auth)
            assert more.status_code == 201
        over = await client.post("/v1/subscriptions", json={"url": receiver.url}, headers=auth)
        assert over.status_code == 409

        gone = await client.delete(f"/v1/subscriptions/{sub_id}", headers=auth)
        assert gone.status_code == 204
        assert (await client.get(f"/v1/subscriptions/{sub_id}", headers=auth)).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/subscriptions", {"url": "http://127.0.0.1:9/h", "after_seq": 2**70}),
        ("POST", "/v1/subscriptions", {"url": "http://127.0.0.1:9/h", "description": "a\u0000"}),
        ("POST", "/v1/subscriptions", {"transport": "kafka", "url": "http://127.0.0.1:9/h"}),
        ("POST", "/v1/subscriptions/{sub}/replay", {"from_seq": 2**70}),
        ("POST", "/v1/subscriptions/{sub}/replay", {"since": "0001-01-01T00:00:00+01:00"}),
        ("POST", "/v1/subscriptions/{sub}/replay", {"since": "2026-01-01T00:00:00"}),
        ("GET", f"/v1/subscriptions/{{sub}}/deliveries?cursor={2**70}", None),
        ("GET", "/v1/subscriptions/{sub}/deliveries?cursor=-1", None),
        ("GET", "/v1/subscriptions?cursor=MDAwMS0wMS0wMVQwMDowMDowMCswMTowMHx4", None),
        ("GET", "/v1/subscriptions?cursor=%00", None),
        ("GET", f"/v1/feed?after={2**70}", None),
        ("GET", "/v1/feed?after=-1", None),
    ],
)
async def test_values_postgresql_cannot_hold_are_4xx(
    method: str,
    path: str,
    body: dict[str, object] | None,
    database_settings: DatabaseSettings,
    make_partner,
) -> None:
    _, key = await make_partner(Role.PLATFORM)
    auth = {"Authorization": f"Bearer {key}"}
    app = make_app(database_settings, FeedSettings())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        created = await client.post(
            "/v1/subscriptions", json={"url": "http://127.0.0.1:9/h"}, headers=auth
        )
        url = path.replace("{sub}", created.json()["id"])
        response = await client.request(method, url, json=body, headers=auth)
    assert 400 <= response.status_code < 500, f"{method} {url}: {response.status_code}"


async def test_huge_last_event_id_is_4xx(database_settings: DatabaseSettings, make_partner) -> None:
    _, key = await make_partner(Role.CARRIER)
    app = make_app(database_settings, FeedSettings())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.get(
            "/v1/feed", headers={"Authorization": f"Bearer {key}", "Last-Event-ID": str(2**70)}
        )
    assert response.status_code == 400

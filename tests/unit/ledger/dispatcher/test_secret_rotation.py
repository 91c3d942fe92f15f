"""Secret rotation: during the overlap a delivery carries the new and the old secret's
signatures (new first), afterwards only the new one's; checked with the PyPI
`standardwebhooks` package and the hub's own verifier, time moved by the injected clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from quanhub.common.clock import FixedClock
from quanhub.ledger.dispatcher.claims import Claimed
from quanhub.ledger.dispatcher.sender import Sender
from quanhub.ledger.feeds.signing import (
    QUANHUB,
    STANDARD_WEBHOOKS,
    new_secret,
    signature_header,
    verify_signature,
)

EVENTS = b'[{"seq":1,"event_id":"e1","kind":"parcel","occurred_at":"2026-12-05T00:00:00+00:00"}]'


def _claimed(signature: str, *, rotated_at: datetime, overlap: timedelta) -> Claimed:
    return Claimed(
        id=uuid.uuid4(),
        partner_code="SF",
        url="http://127.0.0.1:9/hook",
        kinds=("parcel",),
        secret=new_secret(signature),
        cursor_seq=0,
        failures=0,
        signature=signature,
        previous_secret=new_secret(signature),
        previous_secret_expires_at=rotated_at + overlap,
    )


async def _deliver(claimed: Claimed, clock: FixedClock) -> httpx.Request:
    """One attempt as the dispatcher makes it at the clock's instant; the request sent."""
    sent: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    current, *previous = claimed.signing_secrets(clock.now())
    async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as client:
        sender = Sender(client, clock, allow_private=True, deadline=5)
        outcome = await sender.send(
            url=claimed.url,
            secret=current,
            previous_secrets=previous,
            subscription_id=claimed.id,
            delivery_id=uuid.uuid4(),
            events=EVENTS,
            signature=claimed.signature,
        )
    assert outcome.ok, outcome.error
    return sent[0]


@pytest.fixture
def clock() -> FixedClock:
    # The package checks webhook-timestamp against the real time, so the clock starts now.
    return FixedClock(datetime.now(UTC))


async def test_standard_webhooks_old_and_new_verify_during_the_overlap(clock: FixedClock) -> None:
    claimed = _claimed(STANDARD_WEBHOOKS, rotated_at=clock.now(), overlap=timedelta(hours=24))
    request = await _deliver(claimed, clock)
    signatures = request.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(s.startswith("v1,") for s in signatures)
    assert claimed.previous_secret is not None
    for secret in (claimed.secret, claimed.previous_secret):
        Webhook(secret).verify(request.content, dict(request.headers))
    # New first: a receiver that already switched finds its key in the first entry.
    new_only = Webhook(claimed.secret)
    assert (
        new_only.sign(request.headers["webhook-id"], clock.now(), request.content.decode())
        == signatures[0]
    )


async def test_standard_webhooks_old_secret_fails_after_the_overlap(clock: FixedClock) -> None:
    # Rotated 24 h ago with a 24 h overlap: the window ended at this very instant.
    claimed = _claimed(
        STANDARD_WEBHOOKS, rotated_at=clock.now() - timedelta(hours=24), overlap=timedelta(hours=24)
    )
    request = await _deliver(claimed, clock)
    assert " " not in request.headers["webhook-signature"]
    Webhook(claimed.secret).verify(request.content, dict(request.headers))
    assert claimed.previous_secret is not None
    with pytest.raises(WebhookVerificationError):
        Webhook(claimed.previous_secret).verify(request.content, dict(request.headers))


async def test_the_overlap_is_judged_at_each_attempt(clock: FixedClock) -> None:
    claimed = _claimed(STANDARD_WEBHOOKS, rotated_at=clock.now(), overlap=timedelta(minutes=10))
    assert len(claimed.signing_secrets(clock.now())) == 2
    clock.advance(timedelta(minutes=10) - timedelta(microseconds=1))
    assert len(claimed.signing_secrets(clock.now())) == 2
    clock.advance(timedelta(microseconds=1))
    assert claimed.signing_secrets(clock.now()) == (claimed.secret,)


async def test_quanhub_scheme_carries_two_v1_entries_during_the_overlap(
    clock: FixedClock,
) -> None:
    claimed = _claimed(QUANHUB, rotated_at=clock.now(), overlap=timedelta(hours=1))
    request = await _deliver(claimed, clock)
    header = request.headers["quanhub-signature"]
    timestamp = int(clock.now().timestamp())
    assert header.startswith(f"t={timestamp},v1=")
    assert header.count("v1=") == 2
    assert claimed.previous_secret is not None
    assert (
        header.split(",")[1]
        == signature_header(claimed.secret, timestamp, request.content)[len(f"t={timestamp},") :]
    )
    for secret in (claimed.secret, claimed.previous_secret):
        assert verify_signature(secret, header, request.content, now=timestamp)

    clock.advance(timedelta(hours=1))
    later = await _deliver(claimed, clock)
    header = later.headers["quanhub-signature"]
    now = int(clock.now().timestamp())
    assert header.count("v1=") == 1
    assert verify_signature(claimed.secret, header, later.content, now=now)
    assert not verify_signature(claimed.previous_secret, header, later.content, now=now)


def test_without_a_rotation_one_secret_signs() -> None:
    claimed = Claimed(
        id=uuid.uuid4(),
        partner_code="SF",
        url="http://127.0.0.1:9/hook",
        kinds=("parcel",),
        secret=new_secret(),
        cursor_seq=0,
        failures=0,
    )
    assert claimed.signing_secrets(datetime.now(UTC)) == (claimed.secret,)

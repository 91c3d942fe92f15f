"""Standard Webhooks signing, checked against the spec's vector and the PyPI package."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from quanhub.ledger.feeds.signing import (
    STANDARD_WEBHOOKS,
    new_secret,
    standard_headers,
    standard_signature,
)

# The reference vector of the standardwebhooks libraries' own tests.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_reference_vector() -> None:
    assert (
        standard_signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
        == VECTOR_SIGNATURE
    )


def test_the_package_signs_the_vector_as_we_do() -> None:
    signed = Webhook(VECTOR_SECRET).sign(VECTOR_ID, _at(VECTOR_TIMESTAMP), VECTOR_BODY.decode())
    assert signed == VECTOR_SIGNATURE


def test_headers_of_a_fresh_secret_verify_with_the_package() -> None:
    secret = new_secret(STANDARD_WEBHOOKS)
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    body = b'{"delivery_id":"d","subscription_id":"s","events":[{"seq":1}]}'
    now = int(time.time())
    headers = standard_headers(secret, "d", now, body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(body, headers) == {
        "delivery_id": "d",
        "subscription_id": "s",
        "events": [{"seq": 1}],
    }


def test_a_tampered_body_does_not_verify() -> None:
    secret = new_secret(STANDARD_WEBHOOKS)
    headers = standard_headers(secret, "d", int(time.time()), b'{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)

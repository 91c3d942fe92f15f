"""Who may read a partner's Kafka feed: its SCRAM user's READ ACLs, granted when its
`kafka` subscription is created and revoked when it is deleted, through Kafka's admin API.

aiokafka's admin client has no ACL methods, but its protocol module carries the
CreateAcls and DeleteAcls requests; they are sent on the admin client's connection, whose
principal must be allowed to ALTER the cluster (in the local stack the PLAINTEXT listener's
User:ANONYMOUS is a super user). Kafka shell tools are not needed.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest

from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import KafkaSettings
from quanhub.ledger.feeds.errors import KafkaFeedUnavailable
from quanhub.ledger.feeds.kafka_feed import (
    feed_group_prefix,
    feed_topic,
    feed_topic_spec,
    kafka_principal,
)

# Kafka's ACL codes (org.apache.kafka.common.resource / acl): resource types, pattern
# types, operation and permission. READ on a topic implies DESCRIBE.
_TOPIC, _GROUP = 2, 3
_LITERAL, _PREFIXED = 3, 4
_READ, _ALLOW = 3, 3
_ANY_HOST = "*"
#: SECURITY_DISABLED: the cluster runs no authorizer, so there is no ACL to grant.
_SECURITY_DISABLED = 54


class FeedAcls(Protocol):
    """The port the subscriptions API grants and revokes feed access through."""

    async def grant(self, partner_code: str) -> None:
        """Let the partner's SCRAM user read its feed topic (created if absent)."""
        ...

    async def revoke(self, partner_code: str) -> None:
        """Take that access away again."""
        ...


def _bindings(settings: KafkaSettings, partner_code: str) -> list[tuple[int, str, int]]:
    """(resource type, name, pattern type) the partner's user may READ: its feed topic,
    and consumer groups whose id starts with that topic's name (no other partner's topic
    name is a prefix of it: codes hold no dot, and the name ends in `.v1`)."""
    return [
        (_TOPIC, feed_topic(settings, partner_code), _LITERAL),
        (_GROUP, feed_group_prefix(settings, partner_code), _PREFIXED),
    ]


class KafkaFeedAcls:
    """FeedAcls on a real cluster: one short-lived admin connection per call (subscriptions
    are created and deleted rarely).

    `without_authorizer_ok`: a cluster with no authorizer (compose's Kafka) enforces no
    ACLs, so granting is moot; accepted in the local profile only, elsewhere it is an error
    (the feed topic would be open to every client).
    """

    def __init__(self, settings: KafkaSettings, *, without_authorizer_ok: bool = False) -> None:
        self._settings = settings
        self._without_authorizer_ok = without_authorizer_ok

    async def grant(self, partner_code: str) -> None:
        """Create the feed topic if needed, then the READ ACLs (creating one twice is a no-op)."""
        try:
            await ensure_topics(self._settings, [feed_topic_spec(self._settings, partner_code)])
        except (KafkaError, OSError, TimeoutError) as exc:
            raise _unavailable("create the feed topic", exc) from exc
        principal = kafka_principal(partner_code)
        requests = [
            CreateAclsRequest(kind, name, pattern, principal, _ANY_HOST, _READ, _ALLOW)
            for kind, name, pattern in _bindings(self._settings, partner_code)
        ]
        for response in await self._send(requests, "grant"):
            for error_code, message in response.creation_responses:
                self._raise_for(error_code, message, "grant")

    async def revoke(self, partner_code: str) -> None:
        """Delete exactly the ACLs `grant` made (other ACLs of that user stay)."""
        principal = kafka_principal(partner_code)
        requests = [
            DeleteAclsRequest(kind, name, pattern, principal, _ANY_HOST, _READ, _ALLOW)
            for kind, name, pattern in _bindings(self._settings, partner_code)
        ]
        for response in await self._send(requests, "revoke"):
            for error_code, message, _ in response.filter_responses:
                self._raise_for(error_code, message, "revoke")

    async def _send(self, requests: list[Any], action: str) -> list[Any]:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._settings.bootstrap,
            request_timeout_ms=self._settings.request_timeout_ms,
        )
        try:
            await admin.start()
            # Any broker accepts ACL requests (KRaft forwards them to the controller).
            return [await admin._send_request(request) for request in requests]
        except (KafkaError, OSError, TimeoutError) as exc:
            raise _unavailable(f"{action} feed access", exc) from exc
        finally:
            await admin.close()

    def _raise_for(self, error_code: int, message: str | None, action: str) -> None:
        if not error_code or (error_code == _SECURITY_DISABLED and self._without_authorizer_ok):
            return
        detail = message or f"error code {error_code}"
        msg = f"Kafka refused to {action} feed access: {detail}"
        raise KafkaFeedUnavailable(msg)


def _unavailable(what: str, exc: BaseException) -> KafkaFeedUnavailable:
    return KafkaFeedUnavailable(f"could not {what}: {type(exc).__name__}: {exc}"[:300])

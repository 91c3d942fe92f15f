"""Which Kafka answers to a grant or revoke count as done (pure logic, no broker)."""

from __future__ import annotations

import pytest

from quanhub.common.settings import KafkaSettings
from quanhub.ledger.feeds.errors import KafkaFeedUnavailable
from quanhub.ledger.feeds.kafka_acl import KafkaFeedAcls, _bindings

SECURITY_DISABLED = 54
CLUSTER_AUTHORIZATION_FAILED = 31


def test_the_partner_reads_its_topic_and_groups_named_after_it() -> None:
    settings = KafkaSettings(topic_namespace="qh")
    assert _bindings(settings, "SF") == [(2, "qh.feed.sf.v1", 3), (3, "qh.feed.sf.v1", 4)]


def test_success_passes_and_a_refusal_is_unavailable() -> None:
    acls = KafkaFeedAcls(KafkaSettings())
    acls._raise_for(0, None, "grant")
    with pytest.raises(KafkaFeedUnavailable, match="Kafka refused to grant"):
        acls._raise_for(CLUSTER_AUTHORIZATION_FAILED, "denied", "grant")


def test_a_cluster_without_authorizer_is_accepted_only_when_allowed() -> None:
    with pytest.raises(KafkaFeedUnavailable):
        KafkaFeedAcls(KafkaSettings())._raise_for(SECURITY_DISABLED, None, "grant")
    local = KafkaFeedAcls(KafkaSettings(), without_authorizer_ok=True)
    local._raise_for(SECURITY_DISABLED, None, "grant")
    with pytest.raises(KafkaFeedUnavailable):
        local._raise_for(CLUSTER_AUTHORIZATION_FAILED, None, "revoke")

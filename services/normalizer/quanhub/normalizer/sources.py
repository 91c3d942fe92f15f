"""Which topics the normalizer reads, and how one record becomes a RawEnvelope.

Raw topics carry a RawEnvelope the gateway already protected. A partner's own topic carries
a plain ingest Event with clear personal data; the partner is the topic's, never the
body's, and the event is tokenised here exactly as the gateway would (quanhub.common.pii).

Unknown fields (in any nested message, Timestamps and repeated fields included) are
dropped before anything else reads the event, as the gateway drops them: nothing masks
what the schema does not name, so it must not travel. Partner topics carry binary protobuf
only; any other form (JSON too) is undecodable. A partner record is dead-lettered in its
protected form only: the protected envelope, the business key of the protected event, and
none of the record's own key or headers (the partner wrote them; the source topic keeps
them). A trace id is kept only in a form that cannot carry text (quanhub.common.traceids):
the event's own wins, then the record's `traceparent` header's, then its `trace_id`
header, as at the gateway the event's wins over the request's `traceparent`/`X-Trace-Id`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import NamedTuple

from google.protobuf.message import DecodeError

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal
from quanhub.common.access.publishing import check_publish
from quanhub.common.canonical import event_business_key
from quanhub.common.pii import protect_event
from quanhub.common.topics import EventKind, Topics
from quanhub.common.traceids import is_safe_trace_id
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import WITHHELD_PERSONAL_DATA
from quanhub.normalizer.mapping import DeadLetter
from quanhub.normalizer.mapping.normalize import decode_envelope

__all__ = ["Decoded", "Sources"]


#: The refusal of an event that names another sender than the topic's owner, and the field
#: that names it, by event kind (quanhub.common.access.publishing).
_MISMATCH = "partner_code_mismatch"
_ADDRESS = {
    "order": "order.platform_code",
    "parcel": "parcel.carrier_code",
    "customs": "customs.agent_code",
}


class Decoded(NamedTuple):
    """A record as an envelope, or why not; plus how a dead letter of it must be written."""

    result: cpb.RawEnvelope | DeadLetter
    partner: str
    #: Bytes to dead-letter instead of the original (a partner record, once protected).
    #: Not None means the record is replaced by its protected form: this value, the key
    #: below, and none of the record's headers.
    dead_letter_value: bytes | None
    replay_topic: str
    #: Why the dead letter's value must be dropped (deadletter.WITHHELD_*), or "".
    payload_withheld: str
    #: Set when the dead letter must never be re-driven (e.g. the owner may not publish it).
    not_replayable: str = ""
    #: The key a partner record is dead-lettered with (its protected event's business key).
    dead_letter_key: bytes | None = None


class Sources:
    """The subscription pattern and per-record decoding for one topic namespace."""

    def __init__(self, topics: Topics, pii_secret: bytes, *, partner_topics: bool) -> None:
        self._topics = topics
        self._secret = pii_secret
        ns = re.escape(topics.ns)
        kinds = "|".join(k.value for k in EventKind)
        alternatives = f"{kinds}|partner\\.[a-z0-9_-]+" if partner_topics else kinds
        self.pattern = f"^{ns}\\.raw\\.({alternatives})\\.v1$"
        self._partner_topic = re.compile(f"^{ns}\\.raw\\.partner\\.([a-z0-9_-]+)\\.v1$")
        #: partner_of by topic (a handful of topics, asked once per record).
        self._owners: dict[str, str | None] = {}

    def partner_of(self, topic: str) -> str | None:
        """The registry code (upper case) of a partner topic's owner; None for a raw topic."""
        try:
            return self._owners[topic]
        except KeyError:
            match = self._partner_topic.match(topic)
            owner = self._owners[topic] = match.group(1).upper() if match else None
            return owner

    def decode(
        self,
        topic: str,
        value: bytes | None,
        broker_time_ms: int | None,
        header_partner: str,
        *,
        now: datetime,
        principal: Principal | None = None,
        header_trace_id: str = "",
    ) -> Decoded:
        """Turn one record into an envelope (or a dead-letter reason).

        A partner record's receive time is the broker's append time when the topic keeps
        one (LogAppendTime: stable across redeliveries), else `now`; never the partner's
        own CreateTime, which the partner controls. `principal` is the partner topic's
        owner from the registry (None: unknown or disabled); it must be allowed to publish
        the event exactly as through the gateway. `header_trace_id` is the record's
        trace-id from its headers (routing: `traceparent`, then a partner record's
        `trace_id`), kept for an event without a trace id of its own when it is safe.
        """
        partner = self.partner_of(topic)
        if partner is None:
            result = decode_envelope(value)
            if isinstance(result, cpb.RawEnvelope) and not result.trace_id and header_trace_id:
                result.trace_id = header_trace_id  # normalize() keeps it only when safe
            who = result.partner_code if isinstance(result, cpb.RawEnvelope) else header_partner
            return Decoded(result, who or header_partner, None, "", payload_withheld="")
        event = ipb.Event()
        try:
            if not value:
                raise DecodeError("empty message value")
            event.ParseFromString(value)
        except DecodeError as exc:
            reason = DeadLetter("undecodable", f"not a quanhub.ingest.v1.Event: {exc}")
            # The bytes may hold clear personal data: they never reach a hub topic.
            return Decoded(reason, partner, b"", "", payload_withheld=WITHHELD_PERSONAL_DATA)
        # Recursive (every nested, repeated and map message): only known fields remain.
        event.DiscardUnknownFields()
        if event.trace_id and not is_safe_trace_id(event.trace_id):
            event.trace_id = ""  # it may carry text: normalize() derives one from the event id
        trace_id = event.trace_id or (header_trace_id if is_safe_trace_id(header_trace_id) else "")
        kind = event.WhichOneof("body")
        received_at = datetime.fromtimestamp(broker_time_ms / 1000, UTC) if broker_time_ms else None
        envelope = protect_event(
            event,
            partner,
            principal.role.value if principal else "",
            received_at or now,
            trace_id,
            "kafka",
            self._secret,
        )
        protected = envelope.SerializeToString()
        key = event_business_key(envelope.event, partner)
        if principal is None:
            reason = DeadLetter("unknown_partner", f"{partner} is no enabled partner")
            return Decoded(reason, partner, protected, "", "", reason.code, key)
        refusal = check_publish(principal, event)
        if refusal is not None:
            # The field that names the sender is partner text the hub did not accept.
            fields = (_ADDRESS[kind],) if refusal.code == _MISMATCH and kind else ()
            reason = DeadLetter(refusal.code, refusal.message, fields)
            return Decoded(reason, partner, protected, "", "", reason.code, key)
        replay = self._topics.raw(EventKind(kind)) if kind else ""
        return Decoded(envelope, partner, protected, replay, "", dead_letter_key=key)

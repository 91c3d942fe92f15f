-- Webhook subscriptions: who wants which kinds of event pushed where, and how far the
-- dispatcher has got. `cursor_seq` is the ledger sequence up to which every event has been
-- put into a delivery (batched); what is batched but not yet acknowledged is a pending row
-- in feed_deliveries. The signing secret must be usable for HMAC, so it is stored as given
-- (the database is the hub's trust boundary); it is shown to the subscriber only once.

CREATE TABLE feed_subscriptions (
    id              uuid PRIMARY KEY,
    partner_code    text NOT NULL REFERENCES partners (code),
    -- An http(s) webhook URL, or 'kafka:' for the partner's filtered feed topic.
    url             text NOT NULL CHECK (
                        (url ~ '^https?://' OR url = 'kafka:') AND length(url) <= 2048),
    kinds           text[] NOT NULL CHECK (
                        cardinality(kinds) BETWEEN 1 AND 3
                        AND kinds <@ ARRAY['order', 'parcel', 'customs']::text[]),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    secret          text NOT NULL CHECK (length(secret) >= 32),
    status          text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'paused', 'deleted')),
    cursor_seq      bigint NOT NULL CHECK (cursor_seq >= 0),
    -- When the dispatcher should next look at this subscription (now, or after a backoff).
    next_attempt_at timestamptz NOT NULL,
    -- Consecutive failed attempts of the oldest pending delivery.
    failures        integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    paused_reason   text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- The dispatcher's claim: active subscriptions due now, oldest first.
CREATE INDEX feed_subscriptions_due_idx
    ON feed_subscriptions (next_attempt_at) WHERE status = 'active';
-- A partner's own list, newest first, keyset-paginated.
CREATE INDEX feed_subscriptions_partner_idx
    ON feed_subscriptions (partner_code, created_at DESC, id DESC) WHERE status <> 'deleted';
-- One Kafka-transport subscription per partner: they all write the partner's one topic.
CREATE UNIQUE INDEX feed_subscriptions_one_kafka_idx
    ON feed_subscriptions (partner_code) WHERE url = 'kafka:' AND status <> 'deleted';

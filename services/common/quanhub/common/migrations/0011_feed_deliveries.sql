-- Webhook deliveries: one signed JSON batch of events for one subscription, its attempts
-- and its outcome. A subscription's pending deliveries are sent strictly in `position`
-- order, one at a time, so batch n+1 never reaches the subscriber before batch n succeeded.
-- `events` is the frozen JSON array of the batch, so every retry sends the same events.

CREATE TABLE feed_deliveries (
    id               uuid PRIMARY KEY,
    position         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    subscription_id  uuid NOT NULL REFERENCES feed_subscriptions (id),
    first_seq        bigint NOT NULL,
    last_seq         bigint NOT NULL CHECK (last_seq >= first_seq),
    event_count      integer NOT NULL CHECK (event_count >= 1),
    events           bytea NOT NULL,
    -- Set on a manual redelivery: the delivery whose events this one sends again.
    redelivery_of    uuid REFERENCES feed_deliveries (id),
    status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'succeeded', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at       timestamptz NOT NULL,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    last_duration_ms integer,
    delivered_at     timestamptz
);

-- The delivery log, newest first (keyset on position).
CREATE INDEX feed_deliveries_log_idx ON feed_deliveries (subscription_id, position DESC);
-- The dispatcher's head-of-line lookup.
CREATE INDEX feed_deliveries_pending_idx
    ON feed_deliveries (subscription_id, position) WHERE status = 'pending';

-- Webhook secret rotation (POST /v1/subscriptions/{id}/rotate-secret): the secret being
-- replaced keeps signing deliveries, beside the new one, until `previous_secret_expires_at`,
-- so a receiver can switch keys without losing a delivery. Stored as the current secret is
-- (0010: HMAC needs it as given). Both columns are set together or not at all.
ALTER TABLE feed_subscriptions
    ADD COLUMN previous_secret text CHECK (length(previous_secret) >= 32),
    ADD COLUMN previous_secret_expires_at timestamptz,
    ADD CONSTRAINT feed_subscriptions_previous_secret_pair
        CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL));

-- Webhook envelopes per subscription: 'quanhub' ({"delivery_id", "subscription_id",
-- "events"}, the default) or 'cloudevents' (a CloudEvents 1.0 structured-mode batch,
-- application/cloudevents-batch+json). Existing subscriptions keep the hub's own.
ALTER TABLE feed_subscriptions
    ADD COLUMN format text NOT NULL DEFAULT 'quanhub'
        CHECK (format IN ('quanhub', 'cloudevents'));

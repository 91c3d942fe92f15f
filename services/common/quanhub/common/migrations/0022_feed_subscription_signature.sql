-- Webhook signatures per subscription: 'quanhub' (Quanhub-Signature, the default) or
-- 'standard-webhooks' (webhook-id / webhook-timestamp / webhook-signature, as the
-- standardwebhooks libraries verify). Existing subscriptions keep the hub's own.
ALTER TABLE feed_subscriptions
    ADD COLUMN signature text NOT NULL DEFAULT 'quanhub'
        CHECK (signature IN ('quanhub', 'standard-webhooks'));

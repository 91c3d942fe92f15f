-- The dispatcher leases a subscription for one delivery attempt instead of holding its row
-- locked across the HTTP call: the claim commits `lease_until` (now + the attempt's
-- deadline + a margin), the POST runs with no transaction open, and the outcome is recorded
-- only by the holder of that lease, which it clears. A subscription with a live lease is
-- not claimed again (one attempt per subscription at a time); a dispatcher that dies leaves
-- a lease that simply expires. The live leases of a partner are its slots in use, which
-- the claim caps per partner.
ALTER TABLE feed_subscriptions ADD COLUMN lease_until timestamptz;

CREATE INDEX feed_subscriptions_leased_idx
    ON feed_subscriptions (partner_code, lease_until) WHERE lease_until IS NOT NULL;

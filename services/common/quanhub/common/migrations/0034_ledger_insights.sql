-- Hub-authored insights (quanhub.ledger.watcher, docs/feeds.md "Insight events"): the
-- watcher writes what it concludes about an object (a predicted delivery that moved, an
-- alert raised or cleared) onto the canonical topic, and the ledger appends it like any
-- event, kind 'insight': sequenced once, deduplicated by its deterministic event id, read
-- by the feeds. Projections select their kinds by name, so an insight never moves a status.
--
-- The constraint is added NOT VALID then validated, so the table is not locked against
-- writers while the existing rows are checked.
ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_kind_check;
ALTER TABLE ledger_events ADD CONSTRAINT ledger_events_kind_check
    CHECK (kind IN ('order', 'parcel', 'customs', 'insight')) NOT VALID;
ALTER TABLE ledger_events VALIDATE CONSTRAINT ledger_events_kind_check;

-- The watcher's state is the ledger's: on start it reads the latest insight of each object
-- and type family, and per pass the latest prediction of the parcels that changed.
CREATE INDEX ledger_events_insight_idx
    ON ledger_events (carrier_id, waybill_no, declarant, cop_no, seq)
    WHERE kind = 'insight';

-- The parcels whose projection changed since the watcher's last pass.
CREATE INDEX parcels_last_seq_idx ON parcels (last_seq);

-- A subscription may ask for insights too (opt-in: the default kinds stay the three
-- status kinds, so existing receivers see no new documents).
ALTER TABLE feed_subscriptions DROP CONSTRAINT feed_subscriptions_kinds_check;
ALTER TABLE feed_subscriptions ADD CONSTRAINT feed_subscriptions_kinds_check CHECK (
    cardinality(kinds) BETWEEN 1 AND 4
    AND kinds <@ ARRAY['order', 'parcel', 'customs', 'insight']::text[]);

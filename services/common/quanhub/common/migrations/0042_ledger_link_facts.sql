-- Order <-> parcel links across PostgreSQL instances (docs/ledger.md "Shards on several
-- PostgreSQL instances"): a link whose order and parcel live on different instances is
-- sent by the instance that learnt it to the other side's instance through Kafka.
--
-- ledger_link_outbox: link facts a step (or an applied fact) wrote in its transaction,
-- waiting for the relay to produce them to the links topic; deleted once acknowledged.
-- `partition` is the canonical partition of `key`, the other side's canonical key.
CREATE TABLE ledger_link_outbox (
    id            bigserial PRIMARY KEY,
    partition     integer NOT NULL CHECK (partition >= 0),
    key           bytea NOT NULL,
    platform_code text NOT NULL,
    order_no      text NOT NULL,
    carrier_id    text NOT NULL,
    waybill_no    text NOT NULL,
    from_order    boolean NOT NULL,
    from_parcel   boolean NOT NULL
);

-- ledger_link_facts: what other instances told this one, OR-merged: order_parcels is
-- rebuilt from this instance's events and these facts (a rebuild reads no other instance).
CREATE TABLE ledger_link_facts (
    platform_code text NOT NULL,
    order_no      text NOT NULL,
    carrier_id    text NOT NULL,
    waybill_no    text NOT NULL,
    from_order    boolean NOT NULL,
    from_parcel   boolean NOT NULL,
    PRIMARY KEY (platform_code, order_no, carrier_id, waybill_no)
);

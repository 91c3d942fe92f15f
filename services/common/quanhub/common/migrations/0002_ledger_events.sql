-- The event ledger: append-only, one row per distinct canonical event, with a gap-free
-- sequence number (seq) that feeds read as their cursor.
--
-- seq is NOT a sequence/bigserial (those leave gaps on rollback and commit out of order
-- under concurrency). Every writer locks the single ledger_sequence row first, inserts its
-- new events with last_seq + 1 .. last_seq + n and moves the counter, all in one
-- transaction. A rollback undoes the counter too (no gap), and the row lock serialises
-- writers, so seqs become visible in order: a reader that has seen seq N never later sees
-- a new row below N. After commit, NOTIFY quanhub_ledger carries the highest seq.
--
-- Nothing personal is stored: bodies carry only keyed-hash tokens and masked forms.

CREATE TABLE ledger_sequence (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq  bigint NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO ledger_sequence (singleton, last_seq) VALUES (true, 0);

CREATE TABLE ledger_events (
    seq               bigint PRIMARY KEY,
    event_id          uuid NOT NULL UNIQUE,
    kind              text NOT NULL CHECK (kind IN ('order', 'parcel', 'customs')),
    source_partner    text NOT NULL,
    source_event_id   text NOT NULL,
    partner_role      text NOT NULL,
    code_system       text NOT NULL,
    raw_code          text NOT NULL,
    raw_text          text NOT NULL,
    unmapped_code     boolean NOT NULL,
    occurred_at       timestamptz NOT NULL,   -- when it happened (event time)
    received_at       timestamptz NOT NULL,   -- when the hub received it (gateway)
    recorded_at       timestamptz NOT NULL,   -- when the ledger wrote it
    status_time       timestamptz NOT NULL,   -- ordering time: return_time for receipts
    trace_id          text NOT NULL,
    -- business keys (empty string when not applicable)
    carrier_id        text NOT NULL,
    waybill_no        text NOT NULL,
    platform_code     text NOT NULL,
    order_no          text NOT NULL,
    declaration_id    uuid,                   -- customs: UUIDv5(declarant, document, copNo)
    declarant         text NOT NULL,
    document          text NOT NULL,
    cop_no            text NOT NULL,
    -- canonical status (bare enum names) and its precedence (quanhub.ledger.precedence)
    status            text NOT NULL,
    sub_status        text NOT NULL,
    phase             smallint NOT NULL,
    rank              smallint NOT NULL,
    -- parcel facts the indicators need
    district_code     text NOT NULL,
    delivery_point    text NOT NULL,
    delivery_point_id text NOT NULL,
    location          text NOT NULL,
    e_waybill         boolean,
    transit_bag       text NOT NULL,
    -- customs
    message_type      text NOT NULL,
    is_receipt        boolean NOT NULL,
    return_status     text NOT NULL,
    return_time       timestamptz,
    return_info       text NOT NULL,
    trade_mode        text NOT NULL,
    ie_flag           text NOT NULL,
    -- order and customs bodies as JSON (tokens and masked forms only); the exact
    -- CanonicalEvent bytes for every kind, so feeds can re-emit what was stored
    body              jsonb,
    canonical         bytea NOT NULL,
    kafka_topic       text NOT NULL,
    kafka_partition   integer NOT NULL,
    kafka_offset      bigint NOT NULL
);

-- One object's events, in event-time order (timelines and projection refreshes).
CREATE INDEX ledger_events_parcel_idx ON ledger_events (carrier_id, waybill_no, status_time)
    WHERE kind = 'parcel';
CREATE INDEX ledger_events_order_idx ON ledger_events (platform_code, order_no, status_time)
    WHERE kind = 'order';
CREATE INDEX ledger_events_declaration_idx ON ledger_events (declaration_id, status_time)
    WHERE kind = 'customs';

-- The consumer's Kafka positions, written in the same transaction as the rows they cover.
CREATE TABLE consumer_offsets (
    group_id    text NOT NULL,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
);

-- Records the consumer could not use (not a CanonicalEvent, missing keys): kept for an
-- operator, their offsets advance so one bad record never stops the ledger.
CREATE TABLE ledger_rejects (
    topic           text NOT NULL,
    partition       integer NOT NULL,
    kafka_offset    bigint NOT NULL,
    error_code      text NOT NULL,
    error_message   text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (topic, partition, kafka_offset)
);

-- ledger_events partitioned by range of seq, with event-id uniqueness kept by an id table
-- (docs/ledger.md "Retention").
--
-- Why seq: it is the primary key, so a seq-range partitioned table keeps it (PostgreSQL
-- requires every unique index of a partitioned table to hold the partition key), and with
-- it ledger_quarantine's reference; projector steps (`seq BETWEEN first AND last`, constants)
-- prune to one or two partitions at plan time and feeds' pages (`seq` bounds per range) at
-- run time. A shard's seqs are one range (shard * 2^40 + n), so no partition holds two
-- shards. seq rises with recorded_at, so an old partition is an old stretch of time: it
-- freezes, and retention archives and drops it whole. A partition holds a fixed number of
-- a shard's seqs (ledger_partitioning; cutting at month boundaries would need the seq of a
-- future instant), created ahead: a shard always has a whole empty partition after the one
-- it writes into (ledger_partitions_ahead, called by the writer when it moves its counter,
-- by the consumer at start and by `quanhub ledger partitions`). Rows beyond them land in the
-- default partition, which the next ledger_partitions_ahead empties into the new partition.
--
-- event_id UNIQUE cannot stay on the partitioned table (it does not hold seq), so it moves
-- to ledger_event_ids (event_id PRIMARY KEY -> seq), which the writer fills in the batch's
-- transaction, before the events: its primary key refuses a repeated id as the unique index
-- did, and the writer handles the refusal as before. Retention deletes the ids of the
-- partitions it drops.
--
-- Existing rows are moved: copied into the partitions, then the indexes are built on the
-- full partitions (sorted builds, faster than inserting into built indexes).

-- Writers and projectors wait (each takes its row first), so nothing moves while this runs.
SELECT shard FROM ledger_appended ORDER BY shard FOR UPDATE;
SELECT last_seq FROM ledger_sequence FOR UPDATE;

-- Seqs per partition, for the partitions created from now on (a partition's bounds never
-- change). The default, 2^28 (268 million), is 7-10 days of one shard at Jinan's rate.
CREATE TABLE ledger_partitioning (
    singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    events_per_partition bigint NOT NULL CHECK (events_per_partition BETWEEN 1 AND 1099511627776)
);
INSERT INTO ledger_partitioning (singleton, events_per_partition) VALUES (true, 268435456);

-- Every partition made for a shard's seqs [first_seq, end_seq), and what retention did to it.
CREATE TABLE ledger_partitions (
    name               text PRIMARY KEY,
    shard              smallint NOT NULL,
    first_seq          bigint NOT NULL,
    end_seq            bigint NOT NULL CHECK (end_seq > first_seq),
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- retention: the archive file, rows archived, newest recorded_at in the partition, the
    -- global seq of its last event (feeds' cursors at or past the highest of these never
    -- point into dropped events), and when it was dropped
    archive            text,
    archived_rows      bigint,
    newest_recorded_at timestamptz,
    global_last        bigint,
    dropped_at         timestamptz,
    UNIQUE (shard, first_seq)
);

ALTER TABLE ledger_quarantine DROP CONSTRAINT ledger_quarantine_seq_fkey;
ALTER TABLE ledger_events RENAME TO ledger_events_unpartitioned;
CREATE TABLE ledger_events (
    LIKE ledger_events_unpartitioned
    INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION
) PARTITION BY RANGE (seq);
CREATE TABLE ledger_events_default PARTITION OF ledger_events DEFAULT;

-- Creates the shard's partitions after its last one until one whole partition lies past
-- `upto` (the shard's highest appended seq); returns how many it made. Each is made empty
-- and attached (a lock that lets reads and writes go on), with the rows the default
-- partition caught for its range moved in first.
CREATE FUNCTION ledger_partitions_ahead(p_shard smallint, p_upto bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_size    bigint;
    v_first   bigint;
    v_end     bigint;
    v_limit   bigint := ((p_shard::bigint + 1) << 40) + 1;  -- the next shard's first seq
    v_made    integer := 0;
    v_ordinal integer;
    v_name    text;
BEGIN
    SELECT coalesce(max(end_seq), (p_shard::bigint << 40) + 1) INTO v_first
    FROM ledger_partitions WHERE shard = p_shard;
    SELECT events_per_partition INTO v_size FROM ledger_partitioning;
    IF v_first > p_upto + v_size OR v_first >= v_limit THEN
        RETURN 0;
    END IF;
    -- One maker at a time (writers of several shards, the command), then look again.
    PERFORM pg_advisory_xact_lock(hashtext('ledger_partitions_ahead'));
    SELECT coalesce(max(end_seq), (p_shard::bigint << 40) + 1), count(*) INTO v_first, v_ordinal
    FROM ledger_partitions WHERE shard = p_shard;
    WHILE v_first <= p_upto + v_size AND v_first < v_limit LOOP
        v_end := least(v_first + v_size, v_limit);
        v_name := format('ledger_events_s%s_p%s', p_shard, lpad(v_ordinal::text, 5, '0'));
        EXECUTE format('CREATE TABLE %I (LIKE ledger_events INCLUDING DEFAULTS '
                       'INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)', v_name);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (seq >= %s AND seq < %s)',
                       v_name, v_name || '_bounds', v_first, v_end);
        EXECUTE format('WITH moved AS (DELETE FROM ledger_events_default '
                       'WHERE seq >= %s AND seq < %s RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', v_first, v_end, v_name);
        EXECUTE format('ALTER TABLE ledger_events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                       v_name, v_first, v_end);
        INSERT INTO ledger_partitions (name, shard, first_seq, end_seq)
        VALUES (v_name, p_shard, v_first, v_end);
        v_first := v_end;
        v_ordinal := v_ordinal + 1;
        v_made := v_made + 1;
    END LOOP;
    RETURN v_made;
END $$;

SELECT ledger_partitions_ahead(shard, last_seq) FROM ledger_appended ORDER BY shard;

INSERT INTO ledger_events SELECT * FROM ledger_events_unpartitioned;

CREATE TABLE ledger_event_ids (
    event_id uuid NOT NULL,
    seq      bigint NOT NULL
);
INSERT INTO ledger_event_ids (event_id, seq) SELECT event_id, seq FROM ledger_events_unpartitioned;
ALTER TABLE ledger_event_ids ADD PRIMARY KEY (event_id);

DROP TABLE ledger_events_unpartitioned;

ALTER TABLE ledger_events ADD PRIMARY KEY (seq);
CREATE INDEX ledger_events_parcel_idx ON ledger_events (carrier_id, waybill_no, status_time)
    WHERE kind = 'parcel';
CREATE INDEX ledger_events_order_idx ON ledger_events (platform_code, order_no, status_time)
    WHERE kind = 'order';
CREATE INDEX ledger_events_declaration_idx ON ledger_events (declaration_id, status_time)
    WHERE kind = 'customs';
CREATE INDEX ledger_events_recorded_idx ON ledger_events (recorded_at, seq);
CREATE INDEX ledger_events_insight_idx
    ON ledger_events (carrier_id, waybill_no, declarant, cop_no, seq)
    WHERE kind = 'insight';

ALTER TABLE ledger_quarantine ADD CONSTRAINT ledger_quarantine_seq_fkey
    FOREIGN KEY (seq) REFERENCES ledger_events (seq);

ANALYZE ledger_events;
ANALYZE ledger_event_ids;

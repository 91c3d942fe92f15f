-- Ledger shards (docs/ledger.md "Shards"): a shard is a fixed group of canonical-topic
-- partitions with its own writer lane and projector lane. One shard (0) is today's ledger.
--
-- Shard k numbers its events k * 2^40 + 1, k * 2^40 + 2, ... gap-free: `seq` stays
-- unique over the table, so its primary key, the quarantine's reference and every
-- `seq BETWEEN first AND last` of a step keep working per shard, and shard 0 numbers
-- exactly as before. `shard` is written by the writer; the constant default adds the
-- column without rewriting the table.
ALTER TABLE ledger_events ADD COLUMN shard smallint NOT NULL DEFAULT 0;

-- ledger_appended: one row per shard (the writers' lock of that shard), its highest
-- appended seq. With one shard it is the one row it was.
ALTER TABLE ledger_appended DROP COLUMN singleton;
ALTER TABLE ledger_appended ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE ledger_appended ALTER COLUMN shard DROP DEFAULT;
ALTER TABLE ledger_appended ADD PRIMARY KEY (shard);

-- ledger_visible: one row per shard (the projectors' lock of that shard), its highest
-- visible seq: readers see an event e iff e.seq <= the row of e.shard.
CREATE TABLE ledger_visible (
    shard    smallint PRIMARY KEY CHECK (shard >= 0),
    last_seq bigint NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO ledger_visible (shard, last_seq) SELECT 0, last_seq FROM ledger_sequence;

-- ledger_sequence keeps its one row and its meaning for feeds and caches: the highest
-- GLOBAL seq, one gap-free sequence over every shard's visible events (SSE Last-Event-ID,
-- webhook cursors, replay from_seq, the Kafka feed's seq header). Each projector step
-- locks it, appends its events here (a new range row, or the last row grown when it is
-- the same shard's and continues it) and moves it past them, in the step's transaction:
-- global seqs global_first .. global_first + events - 1 are the shard's seqs first_seq ..
-- first_seq + events - 1, in order. With one shard there is one row, mapping a seq to
-- itself.
CREATE TABLE ledger_global_ranges (
    global_first bigint PRIMARY KEY CHECK (global_first >= 1),
    shard        smallint NOT NULL,
    first_seq    bigint NOT NULL,
    events       bigint NOT NULL CHECK (events >= 1)
);
-- A shard's ranges by its own seq (mapping an event's seq to its global seq).
CREATE INDEX ledger_global_ranges_shard_idx ON ledger_global_ranges (shard, first_seq);
INSERT INTO ledger_global_ranges (global_first, shard, first_seq, events)
SELECT 1, 0, 1, last_seq FROM ledger_sequence WHERE last_seq > 0;

-- Deferred projections: the append and the projection of events commit separately.
--
-- ledger_appended numbers the events: every writer locks its single row first, COPYs its
-- new events as last_seq + 1 .. last_seq + n and moves it, with its consumer offsets, in
-- one transaction (the gap-free, in-order rule of 0002, now on this row).
--
-- ledger_sequence keeps its meaning for every reader: the highest seq that is visible,
-- i.e. whose events the projections and rollups include. A projector locks its row,
-- refreshes what the events in (last_seq, ledger_appended.last_seq] touch, moves it and
-- NOTIFYs quanhub_ledger, in one transaction. Feeds, timelines and NOTIFY payloads never
-- go past it, so a reader always sees events and projections that agree.
CREATE TABLE ledger_appended (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq  bigint NOT NULL CHECK (last_seq >= 0)
);
-- Every existing ledger was projected in its writer's transaction.
INSERT INTO ledger_appended (singleton, last_seq) SELECT true, last_seq FROM ledger_sequence;

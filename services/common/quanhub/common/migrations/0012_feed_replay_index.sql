-- Replay "since an instant" finds the first event the ledger recorded at or after it.
CREATE INDEX ledger_events_recorded_idx ON ledger_events (recorded_at, seq);

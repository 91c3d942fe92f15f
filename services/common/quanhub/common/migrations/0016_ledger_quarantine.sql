-- Events a projector step could not project (PostgreSQL refused the step for this event
-- alone: a data error or a violated constraint, which retrying cannot fix). They stay in
-- the ledger, become visible like any other, and are left out of every projection and
-- rollup (and of rebuilds), so one such event never stops the ledger from moving on.
CREATE TABLE ledger_quarantine (
    seq           bigint PRIMARY KEY REFERENCES ledger_events (seq),
    error_code    text NOT NULL,
    error_message text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);

-- Stalled and exception alerts (docs/alerts.md, quanhub.ledger.alerts).
--
-- The norms a silence is judged by are learned from the ledger's own gaps (one scan to the
-- next) by `quanhub ledger alerts-learn`, which replaces them in one transaction: parcels
-- by carrier x status x leg, inventories by trade mode x state, and their parents.
CREATE TABLE alert_norms (
    scope            text NOT NULL CHECK (scope IN ('parcel', 'customs')),
    segment          text[] NOT NULL,
    samples          bigint NOT NULL,
    quantile_seconds double precision NOT NULL,   -- the segment's 95th percentile gap
    PRIMARY KEY (scope, segment)
);

CREATE TABLE alert_training (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    trained_until  timestamptz NOT NULL,   -- gaps completed before it were learned from
    window_seconds bigint NOT NULL
);

-- Open objects by the time of their status: GET /v1/alerts reads only those silent for
-- longer than the lowest threshold, never the delivered or closed bulk. The status lists
-- are quanhub.ledger.alerts.norms' (a partial index is matched on literal lists).
CREATE INDEX parcels_open_idx ON parcels (status_at)
    WHERE status NOT IN ('CANCELLED', 'DELIVERED', 'RETURNED', 'RETURNING');
-- A parcel whose latest event is an unknown code: its state is read from its events.
CREATE INDEX parcels_no_status_idx ON parcels (status_at)
    WHERE status IN ('UNKNOWN', 'UNSPECIFIED');
-- The ledger's clock (the latest parcel status time), for an alert's default instant.
CREATE INDEX parcels_status_at_idx ON parcels (status_at);
CREATE INDEX declarations_open_idx ON declarations (status_at)
    WHERE document = 'INVENTORY'
      AND status NOT IN ('CLOSED', 'DETAINED', 'ERROR', 'REJECTED', 'RETURNED', 'SEND_FAILED');

-- Incident detection (docs/incidents.md): parcel scans per 10-minute window of event time,
-- carrier and district (the event's own district: the origin's at pickup, the sorting
-- centre's at hub scans, the destination's on the last mile). Kept by the projector's step
-- (quanhub.ledger.incidents.flow) and equal to a GROUP BY over the projectable events
-- (`quanhub ledger verify`). Sparse: a row exists only where a scan fell.

SELECT last_seq FROM ledger_sequence FOR UPDATE;

CREATE TABLE incident_flow (
    window_start   timestamptz NOT NULL,
    carrier_id     text NOT NULL,
    district_code  text NOT NULL,
    scans          bigint NOT NULL,
    PRIMARY KEY (window_start, carrier_id, district_code)
);

-- Backfill from the ledger's visible, projectable events (flow.py's statement, frozen here).
INSERT INTO incident_flow (window_start, carrier_id, district_code, scans)
SELECT to_timestamp(floor(extract(epoch FROM e.occurred_at) / 600) * 600),
       e.carrier_id, e.district_code, count(*)
FROM ledger_events e
WHERE e.kind = 'parcel' AND e.district_code <> ''
  AND e.seq <= (SELECT last_seq FROM ledger_sequence)
  AND NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)
GROUP BY 1, 2, 3;

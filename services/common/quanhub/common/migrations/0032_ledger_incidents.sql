-- Incident detection (docs/incidents.md): parcel scans per 10-minute window of event time,
-- carrier and district (the event's own district: the origin's at pickup, the sorting
-- centre's at hub scans, the destination's on the last mile), and the same per CST day.
-- Kept by the projector's step (quanhub.ledger.incidents.flow) and equal to a GROUP BY
-- over the projectable events (`quanhub ledger verify`). Sparse: a row exists only where
-- a scan fell.

SELECT last_seq FROM ledger_sequence FOR UPDATE;

-- One flow's windows are read together: keyed by flow first.
CREATE TABLE incident_flow (
    carrier_id     text NOT NULL,
    district_code  text NOT NULL,
    window_start   timestamptz NOT NULL,
    scans          bigint NOT NULL,
    PRIMARY KEY (carrier_id, district_code, window_start)
);

-- Every flow's days are read together, to skip the thin flows: keyed by day first.
CREATE TABLE incident_flow_daily (
    day            date NOT NULL,   -- CST
    carrier_id     text NOT NULL,
    district_code  text NOT NULL,
    scans          bigint NOT NULL,
    PRIMARY KEY (day, carrier_id, district_code)
);

-- Backfill from the ledger's visible, projectable events (flow.py's statements, frozen).
INSERT INTO incident_flow (carrier_id, district_code, window_start, scans)
SELECT e.carrier_id, e.district_code,
       to_timestamp(floor(extract(epoch FROM e.occurred_at) / 600) * 600), count(*)
FROM ledger_events e
WHERE e.kind = 'parcel' AND e.district_code <> ''
  AND e.seq <= (SELECT last_seq FROM ledger_sequence)
  AND NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)
GROUP BY 1, 2, 3;

INSERT INTO incident_flow_daily (day, carrier_id, district_code, scans)
SELECT (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date, e.carrier_id, e.district_code,
       count(*)
FROM ledger_events e
WHERE e.kind = 'parcel' AND e.district_code <> ''
  AND e.seq <= (SELECT last_seq FROM ledger_sequence)
  AND NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)
GROUP BY 1, 2, 3;

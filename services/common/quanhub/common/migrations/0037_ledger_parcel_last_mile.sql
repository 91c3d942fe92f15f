-- Predicted delivery (docs/edd.md): a parcel's first OUT_FOR_DELIVERY time, so that once
-- the last mile has begun its window is read from the time parcels took from there to
-- delivery, not from the tail of its whole segment. Projected like delivered_at (the
-- earliest such event), so `quanhub ledger rebuild` and `verify` cover it; a ledger that
-- already holds events is filled here from the events the projection holds.
--
-- And an index on the pickup time: a model reads the parcels picked up in its window
-- (those still open at its cut, and those that went out for delivery), a few weeks of a
-- ledger that may hold a year.

-- Projectors wait (they take this row first), so nothing moves while this runs.
SELECT last_seq FROM ledger_sequence FOR UPDATE;

ALTER TABLE parcels ADD COLUMN out_for_delivery_at timestamptz;

UPDATE parcels p SET out_for_delivery_at = f.first_at
FROM (SELECT e.carrier_id, e.waybill_no, min(e.status_time) AS first_at
      FROM ledger_events e
      WHERE e.kind = 'parcel' AND e.status = 'OUT_FOR_DELIVERY'
        AND e.seq <= (SELECT last_seq FROM ledger_sequence)
        AND NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)
      GROUP BY e.carrier_id, e.waybill_no) f
WHERE p.carrier_id = f.carrier_id AND p.waybill_no = f.waybill_no;

CREATE INDEX parcels_picked_up_idx ON parcels (picked_up_at);

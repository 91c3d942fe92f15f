-- The State Post Bureau's measures (48 h / 72 h on-time rates, full delivery time by
-- carrier, destination district and lane) and percentiles read from fine histograms
-- instead of interpolated inside the 12-hour buckets of 0004. Like 0004's, these rollups
-- are kept exact as events arrive and equal a GROUP BY over the current projections
-- (`quanhub ledger verify`). Bucket numbering and the measures' definitions:
-- quanhub.ledger.store.histogram and docs/ledger.md ("Indicators").
--
-- A ledger that already holds events is filled here, as a rebuild would fill it (the
-- statements at the end are store/rollups.py's over every object, frozen as of this
-- version), so verify holds right after the upgrade without a rebuild.

-- Projectors wait (they take this row first), so nothing moves while this runs.
SELECT last_seq FROM ledger_sequence FOR UPDATE;

-- District of the earliest PICKED_UP event that names one ('' when none does): the lane's
-- origin. district_code stays the latest non-empty district (the destination).
ALTER TABLE parcels ADD COLUMN origin_district text NOT NULL DEFAULT '';

-- Delivery cohort by lane: by delivery day (CST), carrier, origin and destination.
CREATE TABLE kpi_lane_daily (
    day              date NOT NULL,
    carrier_id       text NOT NULL,
    origin_district  text NOT NULL,
    district_code    text NOT NULL,
    delivered        bigint NOT NULL,   -- every delivered parcel
    timed            bigint NOT NULL,   -- of which with a pickup at or before delivery
    timed_events     bigint NOT NULL,
    within_48h       bigint NOT NULL,   -- timed, pickup -> delivered <= 48 h
    within_72h       bigint NOT NULL,   -- timed, <= 72 h
    seconds_sum      bigint NOT NULL,   -- timed, whole seconds
    PRIMARY KEY (day, carrier_id, origin_district, district_code)
);

-- Full delivery time (pickup -> first delivered) of timed parcels, by fine bucket.
-- Sparse: a row exists only where a parcel fell (0 after it moved elsewhere).
CREATE TABLE kpi_delivery_hist (
    day              date NOT NULL,
    carrier_id       text NOT NULL,
    origin_district  text NOT NULL,
    district_code    text NOT NULL,
    bucket           smallint NOT NULL,
    parcels          bigint NOT NULL,
    PRIMARY KEY (day, carrier_id, origin_district, district_code, bucket)
);

-- The same by ISO week (Monday, CST): a period reads its whole weeks here and only its
-- edge days from the daily rows, so a 30-day read sums about half the rows (a sixth on
-- the benchmark's ledgers, whose days repeat one another's durations).
CREATE TABLE kpi_delivery_hist_weekly (
    week             date NOT NULL,
    carrier_id       text NOT NULL,
    origin_district  text NOT NULL,
    district_code    text NOT NULL,
    bucket           smallint NOT NULL,
    parcels          bigint NOT NULL,
    PRIMARY KEY (week, carrier_id, origin_district, district_code, bucket)
);

-- Clearance time (declared -> first released) of inventories, by release day and fine bucket.
CREATE TABLE kpi_clearance_hist (
    day              date NOT NULL,
    district_code    text NOT NULL,
    trade_mode       text NOT NULL,
    bucket           smallint NOT NULL,
    released         bigint NOT NULL,
    PRIMARY KEY (day, district_code, trade_mode, bucket)
);

CREATE TABLE kpi_clearance_hist_weekly (
    week             date NOT NULL,
    district_code    text NOT NULL,
    trade_mode       text NOT NULL,
    bucket           smallint NOT NULL,
    released         bigint NOT NULL,
    PRIMARY KEY (week, district_code, trade_mode, bucket)
);

-- Backfill: origin of every projected parcel from its visible, projectable events ...
UPDATE parcels p SET origin_district = o.district_code
FROM (
    SELECT DISTINCT ON (e.carrier_id, e.waybill_no) e.carrier_id, e.waybill_no, e.district_code
    FROM ledger_events e
    WHERE e.kind = 'parcel' AND e.status = 'PICKED_UP' AND e.district_code <> ''
      AND e.seq <= (SELECT last_seq FROM ledger_sequence)
      AND NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)
    ORDER BY e.carrier_id, e.waybill_no, e.status_time, e.event_id
) o
WHERE p.carrier_id = o.carrier_id AND p.waybill_no = o.waybill_no;

-- ... and the five rollups from the projections (the weekly ones from the daily).
INSERT INTO kpi_lane_daily (day, carrier_id, origin_district, district_code, delivered,
                            timed, timed_events, within_48h, within_72h, seconds_sum)
SELECT (p.delivered_at AT TIME ZONE 'Asia/Shanghai')::date, p.carrier_id, p.origin_district,
       p.district_code,
       count(*),
       count(*) FILTER (WHERE p.picked_up_at IS NOT NULL AND p.delivered_at >= p.picked_up_at),
       coalesce(sum(p.event_count) FILTER (WHERE p.picked_up_at IS NOT NULL
                                           AND p.delivered_at >= p.picked_up_at), 0),
       count(*) FILTER (WHERE p.picked_up_at IS NOT NULL AND p.delivered_at >= p.picked_up_at
           AND floor(extract(epoch FROM p.delivered_at - p.picked_up_at))::bigint <= 172800),
       count(*) FILTER (WHERE p.picked_up_at IS NOT NULL AND p.delivered_at >= p.picked_up_at
           AND floor(extract(epoch FROM p.delivered_at - p.picked_up_at))::bigint <= 259200),
       coalesce(sum(floor(extract(epoch FROM p.delivered_at - p.picked_up_at))::bigint)
           FILTER (WHERE p.picked_up_at IS NOT NULL AND p.delivered_at >= p.picked_up_at), 0)
FROM parcels p
WHERE p.delivered_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO kpi_delivery_hist (day, carrier_id, origin_district, district_code, bucket, parcels)
SELECT (p.delivered_at AT TIME ZONE 'Asia/Shanghai')::date, p.carrier_id, p.origin_district,
       p.district_code,
       (CASE WHEN s.seconds < 259200 THEN s.seconds / 600
             WHEN s.seconds < 1296000 THEN 432 + (s.seconds - 259200) / 3600
             ELSE 720 END)::smallint,
       count(*)
FROM parcels p
CROSS JOIN LATERAL (
    SELECT floor(extract(epoch FROM p.delivered_at - p.picked_up_at))::bigint AS seconds
) s
WHERE p.delivered_at IS NOT NULL AND p.picked_up_at IS NOT NULL
  AND p.delivered_at >= p.picked_up_at
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO kpi_clearance_hist (day, district_code, trade_mode, bucket, released)
SELECT (d.released_at AT TIME ZONE 'Asia/Shanghai')::date, d.district_code, d.trade_mode,
       (CASE WHEN s.seconds < 259200 THEN s.seconds / 600
             WHEN s.seconds < 1296000 THEN 432 + (s.seconds - 259200) / 3600
             ELSE 720 END)::smallint,
       count(*)
FROM declarations d
CROSS JOIN LATERAL (
    SELECT floor(extract(epoch FROM d.released_at - d.declared_at))::bigint AS seconds
) s
WHERE d.document = 'INVENTORY' AND d.released_at IS NOT NULL
  AND d.released_at >= d.declared_at
GROUP BY 1, 2, 3, 4;

INSERT INTO kpi_delivery_hist_weekly (week, carrier_id, origin_district, district_code, bucket,
                                      parcels)
SELECT day - (extract(isodow FROM day)::int - 1), carrier_id, origin_district,
       district_code, bucket, sum(parcels)
FROM kpi_delivery_hist
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO kpi_clearance_hist_weekly (week, district_code, trade_mode, bucket, released)
SELECT day - (extract(isodow FROM day)::int - 1), district_code, trade_mode, bucket,
       sum(released)
FROM kpi_clearance_hist
GROUP BY 1, 2, 3, 4;

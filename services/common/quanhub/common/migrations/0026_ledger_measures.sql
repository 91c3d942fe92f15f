-- The State Post Bureau's measures (48 h / 72 h on-time rates, full delivery time by
-- carrier, destination district and lane) and percentiles read from fine histograms
-- instead of interpolated inside the 12-hour buckets of 0004. Like 0004's, these rollups
-- are kept exact as events arrive and equal a GROUP BY over the current projections
-- (`quanhub ledger verify`). Bucket numbering and the measures' definitions:
-- quanhub.ledger.store.histogram and docs/ledger.md ("Indicators").
--
-- A ledger that already holds parcels gets the column and the tables empty: run
-- `quanhub ledger rebuild` once after upgrading (verify reports them until then).

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

-- Clearance time (declared -> first released) of inventories, by release day and fine bucket.
CREATE TABLE kpi_clearance_hist (
    day              date NOT NULL,
    district_code    text NOT NULL,
    trade_mode       text NOT NULL,
    bucket           smallint NOT NULL,
    released         bigint NOT NULL,
    PRIMARY KEY (day, district_code, trade_mode, bucket)
);

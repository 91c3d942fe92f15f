-- Weekly twins of the per-group daily rollups GET /v1/kpis sums (0004's kpi_parcel_daily
-- and kpi_delivery_daily): the same columns by ISO week (Monday, CST) instead of day. A
-- period reads its whole weeks here and only its edge days from the daily rows, as the
-- fine histograms' weekly twins of 0026 are read, so a 30-day report sums about a fifth of
-- the rows. Kept exact by the projector like every rollup (store/rollups.py) and covered
-- by `quanhub ledger rebuild` and `verify`.
--
-- A ledger that already holds events is filled here from the daily rows (a week's row is
-- the sum of its days'), so verify holds right after the upgrade without a rebuild.

-- Projectors wait (they take this row first), so nothing moves while this runs.
SELECT last_seq FROM ledger_sequence FOR UPDATE;

CREATE TABLE kpi_parcel_weekly (
    week             date NOT NULL,
    district_code    text NOT NULL,
    carrier_id       text NOT NULL,
    parcels          bigint NOT NULL,
    events           bigint NOT NULL,
    ewaybill_known   bigint NOT NULL,
    ewaybill_events  bigint NOT NULL,
    ewaybill_yes     bigint NOT NULL,
    bag_known        bigint NOT NULL,
    bag_events       bigint NOT NULL,
    bag_recyclable   bigint NOT NULL,
    exceptions       bigint NOT NULL,
    returns          bigint NOT NULL,
    PRIMARY KEY (week, district_code, carrier_id)
);

CREATE TABLE kpi_delivery_weekly (
    week             date NOT NULL,
    district_code    text NOT NULL,
    carrier_id       text NOT NULL,
    delivered        bigint NOT NULL,
    point_known      bigint NOT NULL,
    point_events     bigint NOT NULL,
    locker           bigint NOT NULL,
    timed            bigint NOT NULL,
    timed_events     bigint NOT NULL,
    seconds_sum      bigint NOT NULL,
    b0 bigint NOT NULL, b1 bigint NOT NULL, b2 bigint NOT NULL,
    b3 bigint NOT NULL, b4 bigint NOT NULL, b5 bigint NOT NULL,
    PRIMARY KEY (week, district_code, carrier_id)
);

-- Inert daily rows (their count back to 0) make no weekly row, as a rebuild makes none;
-- rows in key order, so a period's weeks lie together on disk.
INSERT INTO kpi_parcel_weekly (week, district_code, carrier_id, parcels, events,
                               ewaybill_known, ewaybill_events, ewaybill_yes, bag_known,
                               bag_events, bag_recyclable, exceptions, returns)
SELECT day - (extract(isodow FROM day)::int - 1), district_code, carrier_id,
       sum(parcels), sum(events), sum(ewaybill_known), sum(ewaybill_events),
       sum(ewaybill_yes), sum(bag_known), sum(bag_events), sum(bag_recyclable),
       sum(exceptions), sum(returns)
FROM kpi_parcel_daily
GROUP BY 1, 2, 3
HAVING sum(parcels) <> 0
ORDER BY 1, 2, 3;

INSERT INTO kpi_delivery_weekly (week, district_code, carrier_id, delivered, point_known,
                                 point_events, locker, timed, timed_events, seconds_sum,
                                 b0, b1, b2, b3, b4, b5)
SELECT day - (extract(isodow FROM day)::int - 1), district_code, carrier_id,
       sum(delivered), sum(point_known), sum(point_events), sum(locker), sum(timed),
       sum(timed_events), sum(seconds_sum), sum(b0), sum(b1), sum(b2), sum(b3), sum(b4),
       sum(b5)
FROM kpi_delivery_daily
GROUP BY 1, 2, 3
HAVING sum(delivered) <> 0
ORDER BY 1, 2, 3;

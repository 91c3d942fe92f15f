-- The weekly twin of kpi_lane_daily (0026), which GET /v1/kpis/delivery-times sums by
-- group over the period: the same columns by ISO week (Monday, CST) instead of day. A
-- period reads its whole weeks here and only its edge days from the daily rows, as the
-- fine histograms and 0035's twins are read. Kept exact by the projector like every
-- rollup (store/rollups.py) and covered by `quanhub ledger rebuild` and `verify`.
--
-- A ledger that already holds events is filled here from the daily rows (a week's row is
-- the sum of its days'), so verify holds right after the upgrade without a rebuild.

-- Projectors wait (they take this row first), so nothing moves while this runs.
SELECT last_seq FROM ledger_sequence FOR UPDATE;

CREATE TABLE kpi_lane_weekly (
    week             date NOT NULL,
    carrier_id       text NOT NULL,
    origin_district  text NOT NULL,
    district_code    text NOT NULL,
    delivered        bigint NOT NULL,
    timed            bigint NOT NULL,
    timed_events     bigint NOT NULL,
    within_48h       bigint NOT NULL,
    within_72h       bigint NOT NULL,
    seconds_sum      bigint NOT NULL,
    PRIMARY KEY (week, carrier_id, origin_district, district_code)
);

-- Inert daily rows (their count back to 0) make no weekly row, as a rebuild makes none;
-- rows in key order, so a period's weeks lie together on disk.
INSERT INTO kpi_lane_weekly (week, carrier_id, origin_district, district_code, delivered,
                             timed, timed_events, within_48h, within_72h, seconds_sum)
SELECT day - (extract(isodow FROM day)::int - 1), carrier_id, origin_district, district_code,
       sum(delivered), sum(timed), sum(timed_events), sum(within_48h), sum(within_72h),
       sum(seconds_sum)
FROM kpi_lane_daily
GROUP BY 1, 2, 3, 4
HAVING sum(delivered) <> 0
ORDER BY 1, 2, 3, 4;

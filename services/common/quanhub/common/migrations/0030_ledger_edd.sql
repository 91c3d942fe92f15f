-- Predicted delivery (EDD, docs/edd.md): full delivery time (pickup -> first delivered) of
-- timed parcels by delivery day (CST), the model's segment and fine bucket. Like 0026's
-- rollups it is kept exact as events arrive (store/rollups.py, key expressions in
-- quanhub.ledger.edd.rollup) and equals a GROUP BY over the projections
-- (`quanhub ledger verify`). Sparse: a row exists only where a parcel fell.
-- (0030: 0027 and 0028 were taken on main, 0029 is the incidents helper's.)

SELECT last_seq FROM ledger_sequence FOR UPDATE;

CREATE TABLE kpi_edd_hist (
    day              date NOT NULL,
    carrier_id       text NOT NULL,
    origin_district  text NOT NULL,
    district_code    text NOT NULL,   -- destination: the latest district
    delivery_point   text NOT NULL,   -- latest delivery point ('' when none was named)
    weekday          smallint NOT NULL,  -- of the pickup in CST, 0 = Monday
    hour_band        smallint NOT NULL,  -- of the pickup in CST, hour / 3
    bucket           smallint NOT NULL,
    parcels          bigint NOT NULL,
    PRIMARY KEY (day, carrier_id, origin_district, district_code, delivery_point,
                 weekday, hour_band, bucket)
);

-- Backfill from the projections (the rollup's statement over every parcel, frozen here).
INSERT INTO kpi_edd_hist (day, carrier_id, origin_district, district_code, delivery_point,
                          weekday, hour_band, bucket, parcels)
SELECT (p.delivered_at AT TIME ZONE 'Asia/Shanghai')::date, p.carrier_id, p.origin_district,
       p.district_code, p.delivery_point,
       (extract(isodow FROM (p.picked_up_at AT TIME ZONE 'Asia/Shanghai'))::int - 1)::smallint,
       (extract(hour FROM (p.picked_up_at AT TIME ZONE 'Asia/Shanghai'))::int / 3)::smallint,
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
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

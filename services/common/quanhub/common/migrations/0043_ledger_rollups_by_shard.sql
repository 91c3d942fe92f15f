-- Rollups keyed by shard (docs/ledger.md "Shards"): every rollup a projector step writes
-- (the kpi_* rollups of store/rollups.py, kpi_edd_hist, the incident flow) gets a `shard`
-- column in its primary key, and a step writes its own shard's rows only. Steps of
-- different shards then share no rollup row, so they no longer take turns on the global
-- lock (ledger_sequence) for their rollups; every reader sums over the shards.
--
-- Existing rows are shard 0 (the column's default, set without a table rewrite): with one
-- shard nothing changes, and with several the sums read the same. The new key puts shard
-- last, so a period's rows stay together in key order (CLUSTER, range scans by day). A
-- table that has its shard column already is left as it is (running this again, as the
-- tests of older migrations do after re-creating a table, changes nothing else).

DO $$
DECLARE
    t text;
    keys text;
    pkey text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'kpi_parcel_daily', 'kpi_parcel_weekly', 'kpi_delivery_daily', 'kpi_delivery_weekly',
        'kpi_lane_daily', 'kpi_lane_weekly', 'kpi_delivery_hist', 'kpi_delivery_hist_weekly',
        'kpi_edd_hist', 'kpi_customs_daily', 'kpi_rejection_reasons', 'kpi_clearance_daily',
        'kpi_clearance_hist', 'kpi_clearance_hist_weekly', 'incident_flow',
        'incident_flow_daily']
    LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_attribute
                              WHERE attrelid = t::regclass AND attname = 'shard'
                                AND NOT attisdropped);
        SELECT c.conname, string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
        INTO pkey, keys
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, i)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.conrelid = t::regclass AND c.contype = 'p'
        GROUP BY c.conname;
        EXECUTE format('ALTER TABLE %I ADD COLUMN shard smallint NOT NULL DEFAULT 0', t);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, pkey);
        EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (%s, shard)', t, keys);
    END LOOP;
END
$$;

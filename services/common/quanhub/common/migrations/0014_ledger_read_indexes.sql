-- Indexes for the query API's point reads, so none of them scans a projection.
--
-- The order of a declaration is found by order_no (the declaration carries the platform
-- only as a customs registration code, so the primary key's leading platform_code cannot
-- be used); the parcels of a declaration by waybill_no (the declaration names the carrier
-- only as a logistics code, so the key's leading carrier_id cannot be used either).
CREATE INDEX orders_order_no_idx ON orders (order_no);
CREATE INDEX parcels_waybill_idx ON parcels (waybill_no);

-- KPI rollups by China Standard Time day, kept exact as events arrive: before a batch
-- recomputes an object's projection its old contribution is subtracted, after it the new
-- one is added, so every rollup always equals the sum over the current projections
-- (`quanhub ledger verify` checks this). Durations are whole seconds, so sums stay exact.
-- Buckets b0..b5: [0,12) [12,24) [24,48) [48,72) [72,120) [120,inf) hours.
-- Rows whose object count is 0 are inert (an object moved to another day or district).

-- Parcel cohort: by the parcel's first event day.
CREATE TABLE kpi_parcel_daily (
    day              date NOT NULL,
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
    PRIMARY KEY (day, district_code, carrier_id)
);

-- Delivery cohort: by the parcel's delivery day.
CREATE TABLE kpi_delivery_daily (
    day              date NOT NULL,
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
    PRIMARY KEY (day, district_code, carrier_id)
);

-- Declared cohort: by the declaration's first event day.
CREATE TABLE kpi_customs_daily (
    day              date NOT NULL,
    district_code    text NOT NULL,
    trade_mode       text NOT NULL,
    declarations     bigint NOT NULL,
    with_receipt     bigint NOT NULL,
    receipt_events   bigint NOT NULL,
    rejected         bigint NOT NULL,
    PRIMARY KEY (day, district_code, trade_mode)
);

CREATE TABLE kpi_rejection_reasons (
    day              date NOT NULL,
    district_code    text NOT NULL,
    trade_mode       text NOT NULL,
    reason           text NOT NULL,
    declarations     bigint NOT NULL,
    PRIMARY KEY (day, district_code, trade_mode, reason)
);

-- Release cohort of inventories: by release day.
CREATE TABLE kpi_clearance_daily (
    day              date NOT NULL,
    district_code    text NOT NULL,
    trade_mode       text NOT NULL,
    released         bigint NOT NULL,
    events           bigint NOT NULL,
    seconds_sum      bigint NOT NULL,
    b0 bigint NOT NULL, b1 bigint NOT NULL, b2 bigint NOT NULL,
    b3 bigint NOT NULL, b4 bigint NOT NULL, b5 bigint NOT NULL,
    PRIMARY KEY (day, district_code, trade_mode)
);

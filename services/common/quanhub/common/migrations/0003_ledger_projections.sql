-- Current-state projections, each a pure function of the ledger's events of one object
-- (recomputed for the objects a batch touches; `quanhub ledger rebuild` recomputes all).
-- Status columns come from the winning event under quanhub.ledger.precedence.

CREATE TABLE parcels (
    carrier_id        text NOT NULL,
    waybill_no        text NOT NULL,
    status            text NOT NULL,
    sub_status        text NOT NULL,
    status_at         timestamptz NOT NULL,
    status_event_id   uuid NOT NULL,
    raw_code          text NOT NULL,
    raw_text          text NOT NULL,
    delivery_point    text NOT NULL,   -- latest event that names one
    delivery_point_id text NOT NULL,
    district_code     text NOT NULL,   -- latest non-empty
    location          text NOT NULL,   -- latest non-empty
    platform_code     text NOT NULL,   -- latest order reference carried by a scan
    order_no          text NOT NULL,
    e_waybill         boolean,         -- true if any event says so, false if only false
    transit_bag       text NOT NULL,   -- RECYCLABLE if any event says so, else latest
    first_event_at    timestamptz NOT NULL,
    picked_up_at      timestamptz,     -- earliest PICKED_UP
    delivered_at      timestamptz,     -- earliest DELIVERED
    had_exception     boolean NOT NULL,
    had_return        boolean NOT NULL,
    event_count       integer NOT NULL,
    last_seq          bigint NOT NULL,
    PRIMARY KEY (carrier_id, waybill_no)
);

CREATE TABLE orders (
    platform_code      text NOT NULL,
    order_no           text NOT NULL,
    status             text NOT NULL,
    status_at          timestamptz NOT NULL,
    status_event_id    uuid NOT NULL,
    raw_code           text NOT NULL,
    raw_text           text NOT NULL,
    trade_mode         text NOT NULL,
    ie_flag            text NOT NULL,
    district_code      text NOT NULL,
    buyer_id_token     text NOT NULL,
    detail             jsonb NOT NULL,   -- latest non-empty body fields (parties, amounts, lines)
    first_event_at     timestamptz NOT NULL,
    event_count        integer NOT NULL,
    last_seq           bigint NOT NULL,
    PRIMARY KEY (platform_code, order_no)
);
CREATE INDEX orders_buyer_idx ON orders (buyer_id_token, first_event_at)
    WHERE buyer_id_token <> '';

-- Order <-> parcel links, from the order's SHIPPED event (carrier + waybill) or from the
-- parcel's own order reference, whichever arrives first (either side may not exist yet).
CREATE TABLE order_parcels (
    platform_code text NOT NULL,
    order_no      text NOT NULL,
    carrier_id    text NOT NULL,
    waybill_no    text NOT NULL,
    from_order    boolean NOT NULL,
    from_parcel   boolean NOT NULL,
    PRIMARY KEY (platform_code, order_no, carrier_id, waybill_no)
);
CREATE INDEX order_parcels_parcel_idx ON order_parcels (carrier_id, waybill_no);

-- One customs document of one declarant (an inventory, an order, a payment, a waybill...)
-- with its receipts folded in by return_time. Links to orders (order_no + ebp_code) and
-- parcels (logistics_code + logistics_no) are joined at query time through the partner
-- registry, so a registry change never needs a rebuild.
CREATE TABLE declarations (
    declaration_id   uuid PRIMARY KEY,
    declarant        text NOT NULL,
    document         text NOT NULL,
    cop_no           text NOT NULL,
    message_type     text NOT NULL,   -- the business message, else the first receipt's
    trade_mode       text NOT NULL,
    ie_flag          text NOT NULL,
    invt_no          text NOT NULL,
    order_no         text NOT NULL,
    ebp_code         text NOT NULL,
    ebc_code         text NOT NULL,
    logistics_code   text NOT NULL,
    logistics_no     text NOT NULL,
    carrier_id       text NOT NULL,
    agent_code       text NOT NULL,
    customs_code     text NOT NULL,
    district_code    text NOT NULL,
    status           text NOT NULL,
    status_at        timestamptz NOT NULL,
    return_status    text NOT NULL,
    return_info      text NOT NULL,
    declared_at      timestamptz NOT NULL,   -- first event (message or receipt)
    released_at      timestamptz,            -- earliest RELEASED receipt
    rejected         boolean NOT NULL,
    rejection_reasons text[] NOT NULL,
    content          jsonb NOT NULL,         -- latest business message body
    receipt_count    integer NOT NULL,
    event_count      integer NOT NULL,
    last_seq         bigint NOT NULL
);
CREATE INDEX declarations_order_idx ON declarations (order_no, ebp_code);
CREATE INDEX declarations_logistics_idx ON declarations (logistics_no, logistics_code);
CREATE INDEX declarations_declared_idx ON declarations (declared_at, declaration_id);
CREATE INDEX declarations_status_idx ON declarations (status, declared_at, declaration_id);

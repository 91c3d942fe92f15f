"""SQL that recomputes the projections of touched objects from all of their ledger events.

The projector's steps and `quanhub ledger rebuild` run the same statements; only the source
of the touched keys differs (the step's events, or every event). Each projection row is a
pure function of its object's events (quanhub.ledger.precedence decides the status), so
arrival order never matters. Quarantined events (ledger_quarantine: ones a projector step
could not project) are left out everywhere.
"""

from __future__ import annotations

from quanhub.ledger.store.shards import visible

#: Orders the events of one object so the first is the one that decides its status.
WINNER_ORDER = "phase DESC, status_time DESC, rank DESC, event_id DESC"
_LATEST = "ORDER BY status_time DESC, event_id DESC"


def latest(column: str, *, where: str | None = None) -> str:
    """SQL for the latest (by event time) non-empty value of a column, '' if none."""
    condition = where or f"{column} <> ''"
    return f"coalesce((array_agg({column} {_LATEST}) FILTER (WHERE {condition}))[1], '')"


def _winner(*columns: str) -> str:
    """The winning event's columns (pos = 1 under WINNER_ORDER), as w_<column>."""
    return ", ".join(f"(array_agg({c}) FILTER (WHERE pos = 1))[1] AS w_{c}" for c in columns)


def _body(field: str) -> str:
    return f"(array_agg(body -> '{field}' {_LATEST}) FILTER (WHERE body ? '{field}'))[1]"


def _body_text(field: str) -> str:
    return latest(f"(body ->> '{field}')", where=f"coalesce(body ->> '{field}', '') <> ''")


#: What the projection refresh needs of the events to project (their keys only).
FRESH_COLUMNS: tuple[str, ...] = (
    "seq",
    "kind",
    "carrier_id",
    "waybill_no",
    "platform_code",
    "order_no",
    "declaration_id",
)

_CREATE_WORK_TABLES_OF = """
CREATE TEMP TABLE IF NOT EXISTS ledger_fresh ON COMMIT DELETE ROWS AS
    SELECT {columns} FROM ledger_events WITH NO DATA;
CREATE TEMP TABLE IF NOT EXISTS touched_parcels (
    carrier_id text, waybill_no text, PRIMARY KEY (carrier_id, waybill_no)
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS touched_orders (
    platform_code text, order_no text, PRIMARY KEY (platform_code, order_no)
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS touched_declarations (
    declaration_id uuid PRIMARY KEY
) ON COMMIT DELETE ROWS;
"""
#: The projector's work tables (temporary, per connection).
CREATE_WORK_TABLES = _CREATE_WORK_TABLES_OF.format(columns=", ".join(FRESH_COLUMNS))

# Templates over `{source}`: the events to project, a table name or an aliased subquery
# (PROJECTABLE_EVENTS), always one of this package's.
_TOUCH = """
INSERT INTO touched_parcels SELECT DISTINCT carrier_id, waybill_no FROM {source}
    WHERE kind = 'parcel' ON CONFLICT DO NOTHING;
INSERT INTO touched_orders SELECT DISTINCT platform_code, order_no FROM {source}
    WHERE kind = 'order' ON CONFLICT DO NOTHING;
INSERT INTO touched_declarations SELECT DISTINCT declaration_id FROM {source}
    WHERE kind = 'customs' ON CONFLICT DO NOTHING;
"""
_LINKS = """
INSERT INTO order_parcels AS op
    (platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel)
SELECT platform_code, order_no, carrier_id, waybill_no,
       bool_or(kind = 'order'), bool_or(kind = 'parcel')
FROM {source}
WHERE kind IN ('order', 'parcel') AND platform_code <> '' AND order_no <> ''
  AND carrier_id <> '' AND waybill_no <> ''
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (platform_code, order_no, carrier_id, waybill_no) DO UPDATE
    SET from_order = op.from_order OR EXCLUDED.from_order,
        from_parcel = op.from_parcel OR EXCLUDED.from_parcel;
"""


# Links are shared between shards (an order and its parcel have different keys) and steps
# of different shards write them side by side: each step first locks the existing rows of
# the orders its events name, and upserts in the same key order, so two steps wait for
# each other instead of deadlocking (the flags' OR is commutative: same result either way).
_LOCK_LINKS = """
SELECT 1 FROM order_parcels op
WHERE (op.platform_code, op.order_no) IN (
    SELECT platform_code, order_no FROM {source}
    WHERE kind IN ('order', 'parcel') AND platform_code <> '' AND order_no <> '')
ORDER BY op.platform_code, op.order_no, op.carrier_id, op.waybill_no
FOR UPDATE OF op;
"""


def lock_links_sql(source: str) -> str:
    """Lock, in key order, the order_parcels rows of the orders the events in `source`
    name (as links_sql takes it): what links_sql and the detected-carrier confirmation
    then update, taken before either does."""
    return _LOCK_LINKS.format(source=source)


def touch_sql(source: str) -> str:
    """Fill the touched-key tables from the events in `source` (a table name, or an
    aliased subquery such as PROJECTABLE_EVENTS)."""
    return _TOUCH.format(source=source)


#: Appended to an upsert of order_parcels: only a flag it adds changes a row, and the
#: keys of the rows it changed go to `{changes}` (a temporary table).
_CHANGED_LINKS = """
    WHERE (EXCLUDED.from_order AND NOT op.from_order)
       OR (EXCLUDED.from_parcel AND NOT op.from_parcel)
    RETURNING op.platform_code, op.order_no, op.carrier_id, op.waybill_no
"""


def capturing(statement: str, changes: str) -> str:
    """`statement` (one data-modifying statement with a RETURNING of link keys) with the
    keys it returns inserted into the temporary table `changes`."""
    body = statement.strip().removesuffix(";")
    return f"WITH changed AS ({body}) INSERT INTO {changes} SELECT * FROM changed;\n"  # noqa: S608 - this package's statements and table


def links_sql(source: str, *, changes: str | None = None) -> str:
    """Record order <-> parcel links carried by the events in `source`; with `changes`,
    also the keys of the rows that gained a flag into that table (links across
    instances: store/link_facts.py)."""
    statement = _LINKS.format(source=source)
    if changes is None:
        return statement
    return capturing(statement.strip().removesuffix(";") + _CHANGED_LINKS, changes)


def _upsert(table: str, key: tuple[str, ...], columns: list[str]) -> str:
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates};"


_PARCEL_COLUMNS = [
    "carrier_id",
    "waybill_no",
    "status",
    "sub_status",
    "status_at",
    "status_event_id",
    "raw_code",
    "raw_text",
    "delivery_point",
    "delivery_point_id",
    "district_code",
    "origin_district",
    "location",
    "platform_code",
    "order_no",
    "e_waybill",
    "transit_bag",
    "first_event_at",
    "picked_up_at",
    "delivered_at",
    "had_exception",
    "had_return",
    "event_count",
    "last_seq",
    "out_for_delivery_at",
]


#: A parcel's origin: the district of its earliest PICKED_UP event that names one.
_ORIGIN_DISTRICT = (
    "coalesce((array_agg(district_code ORDER BY status_time, event_id) "
    "FILTER (WHERE status = 'PICKED_UP' AND district_code <> ''))[1], '')"
)


def _refresh_parcels(bound: str) -> str:
    return f"""
WITH ev AS MATERIALIZED (
    SELECT e.seq, e.event_id, e.status, e.sub_status, e.phase, e.rank, e.status_time,
           e.raw_code, e.raw_text, e.delivery_point, e.delivery_point_id, e.district_code,
           e.location, e.platform_code, e.order_no, e.e_waybill, e.transit_bag,
           e.carrier_id, e.waybill_no,
           row_number() OVER (PARTITION BY e.carrier_id, e.waybill_no ORDER BY {WINNER_ORDER})
               AS pos
    FROM touched_parcels t
    JOIN ledger_events e ON e.kind = 'parcel' AND e.carrier_id = t.carrier_id
                        AND e.waybill_no = t.waybill_no{bound}
), agg AS (
    SELECT carrier_id, waybill_no,
           {_winner("status", "sub_status", "status_time", "event_id", "raw_code", "raw_text")},
           {latest("delivery_point")} AS delivery_point,
           {latest("delivery_point_id", where="delivery_point <> ''")} AS delivery_point_id,
           {latest("district_code")} AS district_code,
           {_ORIGIN_DISTRICT} AS origin_district,
           {latest("location")} AS location,
           {latest("platform_code", where="order_no <> ''")} AS platform_code,
           {latest("order_no")} AS order_no,
           CASE WHEN bool_or(e_waybill) THEN true
                WHEN bool_or(NOT e_waybill) THEN false END AS e_waybill,
           CASE WHEN bool_or(transit_bag = 'RECYCLABLE') THEN 'RECYCLABLE'
                ELSE {latest("transit_bag")} END AS transit_bag,
           min(status_time) AS first_event_at,
           min(status_time) FILTER (WHERE status = 'PICKED_UP') AS picked_up_at,
           min(status_time) FILTER (WHERE status = 'DELIVERED') AS delivered_at,
           min(status_time) FILTER (WHERE status = 'OUT_FOR_DELIVERY') AS out_for_delivery_at,
           bool_or(status IN ('EXCEPTION', 'ATTEMPT_FAILED')) AS had_exception,
           bool_or(status IN ('RETURNING', 'RETURNED')) AS had_return,
           count(*) AS event_count, max(seq) AS last_seq
    FROM ev GROUP BY carrier_id, waybill_no
)
INSERT INTO parcels ({", ".join(_PARCEL_COLUMNS)})
SELECT a.carrier_id, a.waybill_no, a.w_status, a.w_sub_status, a.w_status_time,
       a.w_event_id, a.w_raw_code, a.w_raw_text, a.delivery_point, a.delivery_point_id,
       a.district_code, a.origin_district, a.location, a.platform_code, a.order_no,
       a.e_waybill, a.transit_bag,
       a.first_event_at, a.picked_up_at, a.delivered_at, a.had_exception, a.had_return,
       a.event_count, a.last_seq, a.out_for_delivery_at
FROM agg a
{_upsert("parcels", ("carrier_id", "waybill_no"), _PARCEL_COLUMNS)}
"""  # noqa: S608 - this module's fixed fragments; `bound` is refresh_all's


#: Order body fields kept in orders.detail (latest event that carries each).
ORDER_DETAIL_FIELDS = (
    "buyer",
    "consignee",
    "payer",
    "amounts",
    "lines",
    "pay_code",
    "pay_transaction_id",
    "ebc_code",
    "green_packaging",
    "carrier_id",
    "waybill_no",
)

_ORDER_COLUMNS = [
    "platform_code",
    "order_no",
    "status",
    "status_at",
    "status_event_id",
    "raw_code",
    "raw_text",
    "trade_mode",
    "ie_flag",
    "district_code",
    "buyer_id_token",
    "detail",
    "first_event_at",
    "event_count",
    "last_seq",
]

_ORDER_DETAIL = ", ".join(f"'{f}', {_body(f)}" for f in ORDER_DETAIL_FIELDS)

#: A body detoasted once into the materialised CTE (`|| '{}'` is the identity on the JSON
#: objects decode._body_json stores).
#: Bodies sit in TOAST (ledger rows are wide), and a CTE keeps the TOAST pointer: without
#: this every `body -> field` / `body ? field` below would fetch and decompress it again.
_BODY = "e.body || '{}' AS body"


def _refresh_orders(bound: str) -> str:
    return f"""
WITH ev AS MATERIALIZED (
    SELECT e.seq, e.event_id, e.status, e.phase, e.rank, e.status_time, e.raw_code,
           e.raw_text, e.trade_mode, e.ie_flag, e.district_code, {_BODY},
           e.platform_code, e.order_no,
           row_number() OVER (PARTITION BY e.platform_code, e.order_no ORDER BY {WINNER_ORDER})
               AS pos
    FROM touched_orders t
    JOIN ledger_events e ON e.kind = 'order' AND e.platform_code = t.platform_code
                        AND e.order_no = t.order_no{bound}
), agg AS (
    SELECT platform_code, order_no,
           {_winner("status", "status_time", "event_id", "raw_code", "raw_text")},
           {latest("trade_mode")} AS trade_mode,
           {latest("ie_flag")} AS ie_flag,
           {latest("district_code")} AS district_code,
           jsonb_strip_nulls(jsonb_build_object({_ORDER_DETAIL})) AS detail,
           min(status_time) AS first_event_at,
           count(*) AS event_count, max(seq) AS last_seq
    FROM ev GROUP BY platform_code, order_no
)
INSERT INTO orders ({", ".join(_ORDER_COLUMNS)})
SELECT a.platform_code, a.order_no, a.w_status, a.w_status_time, a.w_event_id,
       a.w_raw_code, a.w_raw_text, a.trade_mode, a.ie_flag, a.district_code,
       coalesce(a.detail -> 'buyer' ->> 'id_token', ''), a.detail, a.first_event_at,
       a.event_count, a.last_seq
FROM agg a
{_upsert("orders", ("platform_code", "order_no"), _ORDER_COLUMNS)}
"""  # noqa: S608 - this module's fixed fragments; `bound` is refresh_all's


_DECLARATION_COLUMNS = [
    "declaration_id",
    "declarant",
    "document",
    "cop_no",
    "message_type",
    "trade_mode",
    "ie_flag",
    "invt_no",
    "order_no",
    "ebp_code",
    "ebc_code",
    "logistics_code",
    "logistics_no",
    "carrier_id",
    "agent_code",
    "customs_code",
    "district_code",
    "status",
    "status_at",
    "return_status",
    "return_info",
    "declared_at",
    "released_at",
    "rejected",
    "rejection_reasons",
    "content",
    "receipt_count",
    "event_count",
    "last_seq",
]

_REASON = "coalesce(nullif(return_info, ''), 'returnStatus ' || return_status)"


def _refresh_declarations(bound: str) -> str:
    return f"""
WITH ev AS MATERIALIZED (
    SELECT e.seq, e.event_id, e.declaration_id, e.declarant, e.document, e.cop_no,
           e.status, e.phase, e.rank, e.status_time, e.message_type, e.is_receipt,
           e.return_status, e.return_info, e.trade_mode, e.ie_flag, e.order_no,
           e.carrier_id, e.district_code, {_BODY},
           row_number() OVER (PARTITION BY e.declaration_id ORDER BY {WINNER_ORDER}) AS pos
    FROM touched_declarations t
    JOIN ledger_events e ON e.kind = 'customs' AND e.declaration_id = t.declaration_id{bound}
), agg AS (
    SELECT declaration_id,
           {
        _winner(
            "declarant",
            "document",
            "cop_no",
            "status",
            "status_time",
            "return_status",
            "return_info",
        )
    },
           coalesce(
               (array_agg(message_type {_LATEST}) FILTER (WHERE NOT is_receipt))[1],
               min(message_type)) AS message_type,
           {latest("trade_mode")} AS trade_mode,
           {latest("ie_flag")} AS ie_flag,
           {_body_text("invt_no")} AS invt_no,
           {latest("order_no")} AS order_no,
           {_body_text("ebp_code")} AS ebp_code,
           {_body_text("ebc_code")} AS ebc_code,
           {_body_text("logistics_code")} AS logistics_code,
           {_body_text("logistics_no")} AS logistics_no,
           {latest("carrier_id")} AS carrier_id,
           {_body_text("agent_code")} AS agent_code,
           {_body_text("customs_code")} AS customs_code,
           {latest("district_code")} AS district_code,
           min(status_time) AS declared_at,
           min(status_time) FILTER (WHERE status = 'RELEASED') AS released_at,
           coalesce(bool_or(status = 'REJECTED'), false) AS rejected,
           coalesce(array_agg(DISTINCT {_REASON} ORDER BY {_REASON})
                    FILTER (WHERE status = 'REJECTED'), '{{}}') AS rejection_reasons,
           coalesce((array_agg(body {_LATEST}) FILTER (WHERE NOT is_receipt))[1], '{{}}')
               AS content,
           count(*) FILTER (WHERE is_receipt) AS receipt_count,
           count(*) AS event_count, max(seq) AS last_seq
    FROM ev GROUP BY declaration_id
)
INSERT INTO declarations ({", ".join(_DECLARATION_COLUMNS)})
SELECT a.declaration_id, a.w_declarant, a.w_document, a.w_cop_no, a.message_type,
       a.trade_mode,
       a.ie_flag, a.invt_no, a.order_no, a.ebp_code, a.ebc_code, a.logistics_code,
       a.logistics_no, a.carrier_id, a.agent_code, a.customs_code, a.district_code,
       a.w_status, a.w_status_time, a.w_return_status, a.w_return_info, a.declared_at,
       a.released_at, a.rejected, a.rejection_reasons, a.content, a.receipt_count,
       a.event_count, a.last_seq
FROM agg a
{_upsert("declarations", ("declaration_id",), _DECLARATION_COLUMNS)}
"""  # noqa: S608 - this module's fixed fragments; `bound` is refresh_all's


#: SQL: the ledger_events row `e` takes part in projections (it is not quarantined).
PROJECTABLE = "NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)"

_PROJECTABLE_EVENTS_OF = "(SELECT * FROM ledger_events e WHERE {projectable}) AS projectable"
#: Every projectable event, as a `source` for touch_sql and links_sql.
PROJECTABLE_EVENTS = _PROJECTABLE_EVENTS_OF.format(projectable=PROJECTABLE)


def refresh_all(*, visible_only: bool = False) -> str:
    """Refresh the touched parcels, orders and declarations from their events; with
    `visible_only`, from their visible events only (the projector's step, which has made
    its own events visible first: a projection then holds exactly the events readers
    see, never a later appended one, whichever shard holds them)."""
    bound = f" AND {PROJECTABLE}" + (f" AND {visible('e')}" if visible_only else "")
    return _refresh_parcels(bound) + _refresh_orders(bound) + _refresh_declarations(bound)

"""SQL that confirms a link whose order named its waybill without the carrier.

A platform may name an order's waybill and leave its carrier out; the normalizer then
records the carrier detection is sure of (OrderUpdate.detected_carrier_id, carrier_id left
empty), and such an order event asserts no link by itself: a guess is not the platform's
word, and an order is shared with a carrier only by its platform's assertion. When the
carrier's own event names the order with that waybill (a link row from_parcel), both sides
now agree on the order and the waybill, and detection agrees on the carrier: the link is
confirmed (from_order set), as if the platform had named the carrier. Nothing is revealed
that the carrier did not already claim, and a number below the detection threshold
(quanhub.common.waybills.DETECTION_THRESHOLD) confirms nothing.
"""

from __future__ import annotations

from quanhub.ledger.store.projections import PROJECTABLE, capturing
from quanhub.ledger.store.shards import visible

__all__ = ["confirm_detected_links_sql"]

# Rows are locked in key order before they are updated (steps of other shards may update
# the same links meanwhile: projections.lock_links_sql).
_CONFIRM = """
UPDATE order_parcels op SET from_order = true
FROM (SELECT l.platform_code, l.order_no, l.carrier_id, l.waybill_no
      FROM order_parcels l
      JOIN (SELECT DISTINCT platform_code, order_no FROM {source}
            WHERE kind IN ('order', 'parcel') AND platform_code <> '' AND order_no <> '') t
        ON l.platform_code = t.platform_code AND l.order_no = t.order_no
      WHERE l.from_parcel AND NOT l.from_order
        AND EXISTS (SELECT 1 FROM ledger_events e
                    WHERE e.platform_code = l.platform_code AND e.order_no = l.order_no
                      AND e.kind = 'order' AND e.carrier_id = ''
                      AND e.waybill_no = l.waybill_no
                      AND e.body ->> 'detected_carrier_id' = l.carrier_id
                      AND {visible} AND {projectable})
      ORDER BY 1, 2, 3, 4
      FOR UPDATE OF l) c
WHERE op.platform_code = c.platform_code AND op.order_no = c.order_no
  AND op.carrier_id = c.carrier_id AND op.waybill_no = c.waybill_no AND NOT op.from_order;
"""


_RETURNING = "RETURNING op.platform_code, op.order_no, op.carrier_id, op.waybill_no"


def confirm_detected_links_sql(source: str, *, changes: str | None = None) -> str:
    """Confirm the links of the orders and parcels in `source` (as projections.links_sql
    takes it) that a visible order event named by waybill alone, its carrier detected; run
    after links_sql over the same source (a step: once its own events are visible; a
    rebuild: once every appended event is); `changes` as links_sql takes it."""
    statement = _CONFIRM.format(source=source, visible=visible("e"), projectable=PROJECTABLE)
    if changes is None:
        return statement
    return capturing(statement.strip().removesuffix(";") + "\n" + _RETURNING, changes)

"""The SQL of alerts: the state of candidate objects at an instant, the ledger's clock.

Two ways to read a state. At or after the ledger's clock the projections are the state, and
only objects silent for longer than the lowest threshold are read, through partial indexes
on open objects by status time (migration 0031). Before the clock the state is rebuilt from
the events up to the instant (for evaluation against a simulator's truth and for audits):
exact, but it reads every object that was open then, so it is not meant for dashboards.
Unknown codes never break a silence: the state is the winning event among mapped ones.
"""

from __future__ import annotations

from quanhub.ledger.alerts.norms import CUSTOMS_DONE, INVENTORY, NO_STATUS, PARCEL_DONE
from quanhub.ledger.store.projections import PROJECTABLE, WINNER_ORDER


def _list(values: frozenset[str]) -> str:
    # Module constants only: partial indexes match literal lists, not parameters.
    return ", ".join(f"'{v}'" for v in sorted(values))


PARCEL_DONE_SQL = _list(PARCEL_DONE)
NO_STATUS_SQL = _list(NO_STATUS)
CUSTOMS_DONE_SQL = _list(CUSTOMS_DONE)

#: The ledger's clock: its latest parcel status time (parcels_status_at_idx).
CLOCK = "SELECT max(status_at) FROM parcels"

# Templates: `{vis}` a visibility predicate (quanhub.ledger.read.visibility), `{only}` an
# extra AND-clause (the caller's visibility when it may not count the city, filters),
# `{as_of}` and `{cut}` placeholders (cut = as_of - the lowest threshold).

_PARCEL_WINNER = f"""
    SELECT e.status, e.sub_status, e.status_time FROM ledger_events e
    WHERE e.kind = 'parcel' AND e.carrier_id = p.carrier_id AND e.waybill_no = p.waybill_no
      AND e.status NOT IN ({NO_STATUS_SQL}) AND e.status_time <= {{as_of}} AND {PROJECTABLE}
    ORDER BY {WINNER_ORDER} LIMIT 1"""  # noqa: S608 - module constants only

PARCELS_NOW = f"""
SELECT p.carrier_id, p.waybill_no, p.status, p.sub_status, p.status_at AS since,
       p.district_code, {{vis}} AS visible
FROM parcels p
WHERE p.status NOT IN ({PARCEL_DONE_SQL}) AND p.status NOT IN ({NO_STATUS_SQL})
  AND p.status_at <= {{cut}}{{only}}
UNION ALL
SELECT p.carrier_id, p.waybill_no, w.status, w.sub_status, w.status_time,
       p.district_code, {{vis}}
FROM parcels p
CROSS JOIN LATERAL ({_PARCEL_WINNER}) w
WHERE p.status IN ({NO_STATUS_SQL}) AND w.status_time <= {{cut}}{{only}}
"""  # noqa: S608 - module constants only

PARCELS_THEN = f"""
SELECT p.carrier_id, p.waybill_no, w.status, w.sub_status, w.status_time AS since,
       coalesce(dd.district_code, '') AS district_code, {{vis}} AS visible
FROM parcels p
CROSS JOIN LATERAL ({_PARCEL_WINNER}) w
LEFT JOIN LATERAL (
    SELECT e.district_code FROM ledger_events e
    WHERE e.kind = 'parcel' AND e.carrier_id = p.carrier_id AND e.waybill_no = p.waybill_no
      AND e.district_code <> '' AND e.status_time <= {{as_of}} AND {PROJECTABLE}
    ORDER BY e.status_time DESC, e.event_id DESC LIMIT 1
) dd ON true
WHERE p.first_event_at <= {{cut}}
  AND NOT (p.status IN ({PARCEL_DONE_SQL}) AND p.status_at <= {{as_of}})
  AND w.status NOT IN ({PARCEL_DONE_SQL}) AND w.status_time <= {{cut}}{{only}}
"""  # noqa: S608 - module constants only

_DECLARATION_WINNER = f"""
    SELECT e.status, e.status_time FROM ledger_events e
    WHERE e.kind = 'customs' AND e.declaration_id = d.declaration_id
      AND e.status NOT IN ({NO_STATUS_SQL}) AND e.status_time <= {{as_of}} AND {PROJECTABLE}
    ORDER BY {WINNER_ORDER} LIMIT 1"""  # noqa: S608 - module constants only

DECLARATIONS_NOW = f"""
SELECT d.declarant, d.cop_no, d.trade_mode, d.status, d.status_at AS since,
       d.district_code, {{vis}} AS visible
FROM declarations d
WHERE d.document = '{INVENTORY}' AND d.status NOT IN ({CUSTOMS_DONE_SQL})
  AND d.status NOT IN ({NO_STATUS_SQL}) AND d.status_at <= {{cut}}{{only}}
UNION ALL
SELECT d.declarant, d.cop_no, d.trade_mode, w.status, w.status_time,
       d.district_code, {{vis}}
FROM declarations d
CROSS JOIN LATERAL ({_DECLARATION_WINNER}) w
WHERE d.document = '{INVENTORY}' AND d.status IN ({NO_STATUS_SQL})
  AND w.status_time <= {{cut}}{{only}}
"""  # noqa: S608 - module constants only

DECLARATIONS_THEN = f"""
SELECT d.declarant, d.cop_no, d.trade_mode, w.status, w.status_time AS since,
       d.district_code, {{vis}} AS visible
FROM declarations d
CROSS JOIN LATERAL ({_DECLARATION_WINNER}) w
WHERE d.document = '{INVENTORY}' AND d.declared_at <= {{cut}}
  AND NOT (d.status = 'CLOSED' AND d.status_at <= {{as_of}})
  AND w.status_time <= {{cut}}{{only}}
"""  # noqa: S608 - module constants only

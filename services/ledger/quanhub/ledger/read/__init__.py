"""Read side of the ledger: visibility predicates, object queries, KPI aggregation."""

"""The ledger: exactly-once store of canonical events, projections, query API and KPIs."""

"""PostgreSQL side of the ledger: rows, the batch writer, projections, rollups, rebuild."""

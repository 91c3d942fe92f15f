"""City indicators computed from the ledger's rollups, measured against the plan's targets."""

"""The ledger consumer: canonical topic -> PostgreSQL, exactly once in effect."""

"""The ledger's query API (port 8081): parcels, orders, customs declarations, indicators."""

"""The webhook dispatcher: a worker that turns the ledger sequence into signed deliveries."""

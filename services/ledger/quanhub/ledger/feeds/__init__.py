"""Feeds: what each partner receives from the ledger, as Server-Sent Events or signed webhooks."""

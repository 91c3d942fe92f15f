"""The watcher: hub-authored insight events (predicted deliveries that moved, alerts raised
and cleared) written onto the canonical topic for the ledger and the feeds (docs/feeds.md)."""

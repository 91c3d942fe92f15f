"""Stalled and exception alerts: parcels silent beyond their norm, uncollected pickups,
declarations stuck in one customs state (docs/alerts.md)."""

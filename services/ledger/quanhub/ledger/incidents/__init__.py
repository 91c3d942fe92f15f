"""Incident detection: one carrier's scans in one district breaking away from their own
recent baseline (docs/incidents.md)."""

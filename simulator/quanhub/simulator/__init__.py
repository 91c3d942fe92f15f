"""Realistic multi-partner traffic for the hub: a pure, seeded generator of order, parcel and
customs event stories, their ground truth, and an async sender through the gateway."""

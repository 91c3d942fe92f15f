"""Predicted delivery (EDD): empirical delivery-time quantiles per segment, conditioned on
the time a parcel has already taken (docs/edd.md)."""

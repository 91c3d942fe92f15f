"""Ordered SQL migrations (NNNN_name.sql); see quanhub.common.db."""

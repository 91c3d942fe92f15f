"""The `quanhub` operator command line."""

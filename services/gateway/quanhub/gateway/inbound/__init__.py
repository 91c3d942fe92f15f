"""Tracking pushes in the senders' own formats (POST /v1/inbound/{format}/{partner}).

One folder per sender format, each a pure mapping from its push to ingest events; the
route verifies the push, then hands the events to the same admission, tokenisation and
publishing as POST /v1/events.
"""

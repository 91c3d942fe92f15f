"""Size limits that bind more than one service, each stated once.

Kafka refuses a record over its request limit (1 MiB by default), and a refusal that
retrying cannot mend must never reach a consumer loop, so the hub keeps every record it
produces under `MAX_RECORD_BYTES` and the gateway's events far enough below it that their
canonical form, a little larger than what the partner sent, still fits.
"""

from __future__ import annotations

#: The largest record (key, value and headers) the normalizer produces; a larger
#: canonical event or dead letter is dead-lettered or written as a reference instead.
MAX_RECORD_BYTES = 900_000
#: What normalising may add to an event: the canonical envelope, ids, resolved codes.
CANONICAL_HEADROOM_BYTES = 100_000
#: The most `QUANHUB_GATEWAY_MAX_EVENT_BYTES` may be set to.
MAX_EVENT_BYTES = MAX_RECORD_BYTES - CANONICAL_HEADROOM_BYTES

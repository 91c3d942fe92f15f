"""Normalizer errors.

    QuanhubError (quanhub.common.errors)
    └── NormalizerError              code, retriable
        ├── OutputNotAcknowledged    Kafka did not acknowledge a canonical or dead-letter
        │                            record (retriable: retried, never dead-lettered)
        └── OutputRejected           Kafka refused a record for good (authorisation, size):
                                     fatal, the process stops with offsets uncommitted

Invalid input is not an error here: normalize() returns a DeadLetter value for it.
"""

from __future__ import annotations

from quanhub.common.errors import QuanhubError


class NormalizerError(QuanhubError):
    """Root of the normalizer's errors."""

    code = "normalizer_error"


class OutputNotAcknowledged(NormalizerError):
    """A produce was not acknowledged; the batch is retried and its offsets not committed."""

    code = "output_not_acknowledged"
    retriable = True


class OutputRejected(NormalizerError):
    """Kafka refused an output for good; the loop stops rather than lose the record."""

    code = "output_rejected"

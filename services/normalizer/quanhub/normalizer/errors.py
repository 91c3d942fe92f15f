"""Normalizer errors.

    QuanhubError (quanhub.common.errors)
    └── NormalizerError              code, retriable
        ├── BatchAbandoned           asked to stop while Kafka or the partner registry was
        │                            unavailable: the batch's offsets stay uncommitted and
        │                            it is redelivered (retriable, never dead-lettered)
        ├── OutputRejected           Kafka refused a record for good (authorisation, or a
        │                            reference dead letter for its size):
        │                            fatal, the process stops with offsets uncommitted
        └── OutputTopicTooSmall      an output topic's max.message.bytes is below the
                                     largest record the normalizer writes: it refuses to
                                     start (configuration, not retriable)

Invalid input is not an error here: normalize() returns a DeadLetter value for it.
"""

from __future__ import annotations

from quanhub.common.errors import QuanhubError


class NormalizerError(QuanhubError):
    """Root of the normalizer's errors."""

    code = "normalizer_error"


class BatchAbandoned(NormalizerError):
    """Stopping while a dependency is down: the batch is left for redelivery."""

    code = "batch_abandoned"
    retriable = True


class OutputRejected(NormalizerError):
    """Kafka refused an output for good; the loop stops rather than lose the record."""

    code = "output_rejected"


class OutputTopicTooSmall(NormalizerError):
    """An output topic takes smaller records than the normalizer may write (see limits)."""

    code = "output_topic_too_small"

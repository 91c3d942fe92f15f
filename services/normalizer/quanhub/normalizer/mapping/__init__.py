"""Pure normalisation: a RawEnvelope in, a canonical event or a dead-letter reason out."""

from quanhub.normalizer.mapping.normalize import (
    SCHEMA_VERSION,
    DeadLetter,
    Normalized,
    normalize,
)

__all__ = ["SCHEMA_VERSION", "DeadLetter", "Normalized", "normalize"]

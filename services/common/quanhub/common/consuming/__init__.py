"""The one consumer runtime (ConsumerLoop) and the typed consumer and producer ports."""

from quanhub.common.consuming.loop import (
    Batch,
    BatchHandler,
    ConsumerLoop,
    DrainBeforeRevoke,
    Drains,
    never,
)
from quanhub.common.consuming.ports import Consumer, Polled, Producer, ProducerBatch, Record

__all__ = [
    "Batch",
    "BatchHandler",
    "Consumer",
    "ConsumerLoop",
    "DrainBeforeRevoke",
    "Drains",
    "Polled",
    "Producer",
    "ProducerBatch",
    "Record",
    "never",
]

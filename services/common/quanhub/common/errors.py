"""Root of every Quanhub error.

    QuanhubError                 code, retriable
    ├── ConfigurationError       bad or missing settings (not retriable)
    ├── DependencyUnavailable    Kafka or PostgreSQL unreachable or too slow (retriable)
    └── (service trees)          gateway, normalizer and ledger errors subclass this root

HTTP status codes are chosen only at the API edge (quanhub.common.http); below a route,
code raises these and never HTTPException. `retriable` alone decides retry versus
dead-letter in consumers.
"""

from __future__ import annotations


class QuanhubError(Exception):
    """Base error with a machine-readable code and whether retrying may succeed."""

    code: str = "quanhub_error"
    retriable: bool = False

    def __init__(self, message: str, *, code: str | None = None, retriable: bool | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if retriable is not None:
            self.retriable = retriable


class ConfigurationError(QuanhubError):
    """Settings are missing or invalid."""

    code = "configuration_error"


class DependencyUnavailable(QuanhubError):
    """Kafka or PostgreSQL cannot be reached, or did not answer in time."""

    code = "dependency_unavailable"
    retriable = True

"""Who is calling: partner roles, the authenticated principal, registry records, errors.

AccessError (QuanhubError)
├── AuthenticationFailed   missing, malformed, unknown, revoked or expired key; disabled partner
├── PartnerNotFound        no partner with that code
├── PartnerExists          the code or customs code is taken
├── InvalidPartner         a code, name or customs code that the registry refuses
└── PushKeyUnreadable      a sealed partner push key that does not open (access.push_keys)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from quanhub.common.errors import QuanhubError

#: Partner codes are upper-case: they double as carrier ids ("SF") and platform codes.
PARTNER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_]{1,31}$")
CUSTOMS_CODE = re.compile(r"^[A-Za-z0-9]{1,32}$")


class Role(StrEnum):
    """What a partner is, which decides what it may publish and read."""

    PLATFORM = "platform"
    CARRIER = "carrier"
    CUSTOMS_AGENT = "customs_agent"
    CUSTOMS_LIAISON = "customs_liaison"
    ANALYST = "analyst"
    ADMIN = "admin"


#: Roles that publish events; the others only read.
PUBLISHING_ROLES = frozenset({Role.PLATFORM, Role.CARRIER, Role.CUSTOMS_AGENT})


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated partner behind a request (never taken from a request body)."""

    partner_code: str
    role: Role
    name: str
    customs_code: str | None = None


@dataclass(frozen=True, slots=True)
class Partner:
    """A partner as the registry stores it."""

    code: str
    role: Role
    name: str
    customs_code: str | None
    disabled: bool
    created_at: datetime

    def principal(self) -> Principal:
        """The identity requests made with this partner's key carry."""
        return Principal(self.code, self.role, self.name, self.customs_code)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly issued API key: the clear key exists only here, shown to the operator once."""

    partner_code: str
    key_id: str
    api_key: str


class AccessError(QuanhubError):
    """Root of partner-registry and authentication errors."""

    code = "access_error"


class AuthenticationFailed(AccessError):
    """The request carries no usable API key (the message never says which check failed)."""

    code = "unauthenticated"


class PartnerNotFound(AccessError):
    """No partner has that code."""

    code = "partner_not_found"


class PartnerExists(AccessError):
    """A partner with that code or customs code already exists."""

    code = "partner_exists"


class InvalidPartner(AccessError):
    """The partner's code, name or customs code does not meet the registry's rules."""

    code = "invalid_partner"

"""Partner access shared by both APIs: the registry, API keys, authentication, roles."""

from quanhub.common.access.auth import Authenticator, KeyAuthenticator
from quanhub.common.access.keys import generate_key, hash_key, key_matches, parse_key_id
from quanhub.common.access.listener import ACCESS_CHANNEL, AccessListener
from quanhub.common.access.model import (
    PUBLISHING_ROLES,
    AccessError,
    AuthenticationFailed,
    InvalidPartner,
    IssuedKey,
    Partner,
    PartnerExists,
    PartnerNotFound,
    Principal,
    Role,
)
from quanhub.common.access.registry import (
    create_partner,
    disable_partner,
    find_by_customs_code,
    get_partner,
    list_partners,
    rotate_key,
)

__all__ = [
    "ACCESS_CHANNEL",
    "PUBLISHING_ROLES",
    "AccessError",
    "AccessListener",
    "AuthenticationFailed",
    "Authenticator",
    "InvalidPartner",
    "IssuedKey",
    "KeyAuthenticator",
    "Partner",
    "PartnerExists",
    "PartnerNotFound",
    "Principal",
    "Role",
    "create_partner",
    "disable_partner",
    "find_by_customs_code",
    "generate_key",
    "get_partner",
    "hash_key",
    "key_matches",
    "list_partners",
    "parse_key_id",
    "rotate_key",
]

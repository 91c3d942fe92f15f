"""Persons on an event become Party messages: masked value plus keyed-hash token per field."""

from __future__ import annotations

from collections.abc import Mapping

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ingest.v1 import ingest_pb2 as ipb

__all__ = ["UntokenisedField", "consignee_party", "person_party"]


class UntokenisedField(ValueError):
    """A personal field has a value but no token: the envelope broke the masking contract."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is set but has no token in pii_tokens")
        self.path = path


def _token(tokens: Mapping[str, str], path: str, masked: str) -> str:
    token = tokens.get(path, "")
    if masked and not token:
        raise UntokenisedField(path)
    return token


def person_party(person: ipb.Person, path: str, tokens: Mapping[str, str]) -> cpb.Party:
    """A Person (already masked) at field path `path`, e.g. "order.buyer"."""
    return cpb.Party(
        id_token=_token(tokens, f"{path}.id_number", person.id_number),
        id_masked=person.id_number,
        name_token=_token(tokens, f"{path}.name", person.name),
        name_masked=person.name,
        telephone_token=_token(tokens, f"{path}.telephone", person.telephone),
        telephone_masked=person.telephone,
    )


def consignee_party(consignee: ipb.Consignee, path: str, tokens: Mapping[str, str]) -> cpb.Party:
    """A Consignee (already masked) at field path `path`, e.g. "order.consignee"."""
    return cpb.Party(
        name_token=_token(tokens, f"{path}.name", consignee.name),
        name_masked=consignee.name,
        telephone_token=_token(tokens, f"{path}.telephone", consignee.telephone),
        telephone_masked=consignee.telephone,
        address_token=_token(tokens, f"{path}.address", consignee.address),
        address_masked=consignee.address,
        district_code=consignee.district_code,
    )

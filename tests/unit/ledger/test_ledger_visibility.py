"""Visibility predicates: each role sees through its own partner code, bound as parameters."""

from __future__ import annotations

import pytest

from quanhub.common.access import Principal, Role
from quanhub.ledger.errors import Forbidden
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.visibility import (
    declaration_visible,
    order_visible,
    parcel_visible,
    require_object_access,
)


def _p(role: Role, code: str = "X1", customs: str | None = None) -> Principal:
    return Principal(code, role, code, customs)


def test_admin_sees_everything_and_analyst_nothing() -> None:
    for predicate in (order_visible, parcel_visible, declaration_visible):
        assert predicate(_p(Role.ADMIN), "o", Params()) == "true"
        assert predicate(_p(Role.ANALYST), "o", Params()) == "false"
    with pytest.raises(Forbidden):
        require_object_access(_p(Role.ANALYST))
    require_object_access(_p(Role.CARRIER))


def test_partner_codes_are_parameters_not_sql() -> None:
    params = Params()
    sql = order_visible(_p(Role.PLATFORM, "TMALL"), "o", params)
    assert sql == "o.platform_code = $1"
    assert params.values == ["TMALL"]
    params = Params()
    sql = parcel_visible(_p(Role.CARRIER, "SF"), "p", params)
    assert (sql, params.values) == ("p.carrier_id = $1", ["SF"])


def test_platform_declarations_match_its_code_or_customs_code() -> None:
    params = Params()
    sql = declaration_visible(_p(Role.PLATFORM, "TMALL", "3701PT0001"), "d", params)
    assert sql == "d.ebp_code IN ($1, $2)"
    assert params.values == ["TMALL", "3701PT0001"]


def test_liaison_sees_all_declarations_and_only_linked_objects() -> None:
    liaison = _p(Role.CUSTOMS_LIAISON)
    assert declaration_visible(liaison, "d", Params()) == "true"
    assert parcel_visible(liaison, "p", Params()).startswith("EXISTS (SELECT 1 FROM declarations")
    assert order_visible(liaison, "o", Params()).startswith("EXISTS (SELECT 1 FROM declarations")


def test_agent_sees_what_it_declared() -> None:
    params = Params()
    assert declaration_visible(_p(Role.CUSTOMS_AGENT, "AG"), "d", params) == "d.declarant = $1"
    assert params.values == ["AG"]

"""Visibility predicates: each role sees through its own partner code, bound as parameters."""

from __future__ import annotations

import pytest

from quanhub.common.access import Principal, Role
from quanhub.ledger.errors import Forbidden
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.visibility import (
    declaration_confirmed,
    declaration_visible,
    link_confirmed,
    link_visible,
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


def test_agent_reads_no_order_or_parcel_and_learns_nothing_of_them() -> None:
    # No order or parcel event names a customs agent: no owner ever shares one with it.
    agent = _p(Role.CUSTOMS_AGENT, "AG")
    for predicate in (order_visible, parcel_visible, link_visible, declaration_confirmed):
        assert predicate(agent, "x", Params()) == "false"


def test_a_link_reveals_an_object_only_through_its_owners_assertion() -> None:
    params = Params()
    sql = order_visible(_p(Role.CARRIER, "SF"), "o", params)
    assert "vo.from_order" in sql
    assert "from_parcel" not in sql
    assert params.values == ["SF"]
    params = Params()
    sql = parcel_visible(_p(Role.PLATFORM, "TMALL"), "p", params)
    assert "vp.from_parcel" in sql
    assert "from_order" not in sql
    assert params.values == ["TMALL"]
    assert link_confirmed("op") == "(op.from_order AND op.from_parcel)"


def test_links_are_shown_to_their_two_sides_and_entitled_roles() -> None:
    params = Params()
    assert link_visible(_p(Role.PLATFORM, "TMALL"), "op", params) == "op.platform_code = $1"
    assert link_visible(_p(Role.CARRIER, "SF"), "op", params) == "op.carrier_id = $2"
    assert params.values == ["TMALL", "SF"]
    for role in (Role.ADMIN, Role.CUSTOMS_LIAISON):
        assert link_visible(_p(role), "op", Params()) == "true"
    assert link_visible(_p(Role.ANALYST), "op", Params()) == "false"


def test_a_declaration_is_confirmed_by_the_readers_own_object() -> None:
    params = Params()
    sql = declaration_confirmed(_p(Role.PLATFORM, "TMALL", "3701PT0001"), "d", params)
    assert "FROM orders co WHERE co.platform_code = $3 AND co.order_no = d.order_no" in sql
    assert params.values == ["TMALL", "3701PT0001", "TMALL"]
    params = Params()
    sql = declaration_confirmed(_p(Role.CARRIER, "SF", "3701LG0001"), "d", params)
    assert "FROM parcels cp WHERE cp.carrier_id = $4 AND cp.waybill_no = d.logistics_no" in sql
    assert declaration_confirmed(_p(Role.ANALYST), "d", Params()) == "false"

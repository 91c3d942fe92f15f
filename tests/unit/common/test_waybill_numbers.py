"""Waybill numbers drawn from the shapes (quanhub.common.waybill_numbers): each fits the shape
it was drawn from, detection names its carrier, and a run's serials never repeat a number."""

from __future__ import annotations

import pytest

from quanhub.common.carriers import CARRIERS
from quanhub.common.waybill_numbers import attested_shapes, draw_waybill, spellings
from quanhub.common.waybills import SHAPES, detect_carriers, s10_valid

#: A run tag as quanhub.simulator.goods.Numbers uses it (run * 10**8 + order index).
RUN = 654_321 * 10**8


def test_every_carrier_has_an_attested_shape_and_each_can_be_drawn() -> None:
    for carrier_id in CARRIERS:
        shapes = attested_shapes(carrier_id)
        assert shapes
        assert all(s.examples and spellings(s.pattern) for s in shapes)
    assert {s for c in CARRIERS for s in attested_shapes(c)} == {s for s in SHAPES if s.examples}


@pytest.mark.parametrize("carrier_id", CARRIERS)
def test_a_drawn_number_fits_its_shape_and_detection_lists_its_carrier(carrier_id: str) -> None:
    shapes = attested_shapes(carrier_id)
    for serial in range(RUN, RUN + 200):
        number = draw_waybill(carrier_id, serial)
        assert shapes[serial % len(shapes)].fits(number), number
        assert carrier_id in [g.carrier_id for g in detect_carriers(number)[:3]], number


@pytest.mark.parametrize("carrier_id", CARRIERS)
def test_a_runs_serials_give_distinct_numbers_the_same_each_time(carrier_id: str) -> None:
    numbers = [draw_waybill(carrier_id, serial) for serial in range(RUN, RUN + 20_000)]
    assert len(set(numbers)) == len(numbers)
    assert numbers[:50] == [draw_waybill(carrier_id, s) for s in range(RUN, RUN + 50)]


def test_every_spelling_of_a_shape_is_drawn_in_turn() -> None:
    lengths = {len(draw_waybill("STO", serial)) for serial in range(RUN, RUN + 40)}
    assert lengths == {14, 15, 16, 17}  # 77 + 12-15 digits
    assert {len(draw_waybill("JT", serial)) for serial in range(RUN, RUN + 8)} == {14, 15}


def test_an_s10_number_gets_its_check_digit_computed() -> None:
    s10 = [draw_waybill("EMS", s) for s in range(RUN, RUN + 100) if s % 2 == 0]
    assert all(n.endswith("CN") and s10_valid(n) for n in s10)
    assert len({n[10] for n in s10}) > 1


def test_patterns_outside_the_dialect_are_refused() -> None:
    assert spellings(r"(?:9\d|5[0-2])\d{11}") == (
        ("9", "0123456789", *("0123456789",) * 11),
        ("5", "012", *("0123456789",) * 11),
    )
    with pytest.raises(ValueError, match="cannot read"):
        spellings(r"SF[0-9A-Z-]+")
    with pytest.raises(ValueError, match="no attested waybill shape"):
        draw_waybill("NOSUCH", 1)

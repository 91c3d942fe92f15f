"""Carrier detection from waybill shapes (quanhub.common.waybills): the sources' own numbers
come back as their carrier's, and nothing is guessed for numbers no shape describes."""

from __future__ import annotations

import pytest

from quanhub.common.carriers import CARRIERS
from quanhub.common.waybills import (
    DETECTION_THRESHOLD,
    LENGTH,
    SHAPES,
    SOURCES,
    WaybillShape,
    detect_carriers,
    likely_carrier,
    s10_valid,
)

#: (carrier, example) of every shape more telling than a bare length.
DISTINCT = [(s.carrier_id, e) for s in SHAPES if s.weight > LENGTH for e in s.examples]
#: Examples of the length-only shapes: several carriers fit them.
SHARED = [(s.carrier_id, e) for s in SHAPES if s.weight <= LENGTH for e in s.examples]


def _ids(waybill: str) -> list[str]:
    return [g.carrier_id for g in detect_carriers(waybill)]


def test_every_carrier_has_a_telling_example_and_every_shape_a_known_carrier() -> None:
    assert {c for c, _ in DISTINCT} == set(CARRIERS)
    assert {s.carrier_id for s in SHAPES} <= set(CARRIERS)
    assert all(s.sources and set(s.sources) <= set(SOURCES) for s in SHAPES)


@pytest.mark.parametrize(("carrier_id", "waybill"), DISTINCT)
def test_a_documented_number_detects_its_carrier_first(carrier_id: str, waybill: str) -> None:
    assert _ids(waybill)[0] == carrier_id


@pytest.mark.parametrize(("carrier_id", "waybill"), SHARED)
def test_a_number_of_a_shared_length_lists_its_carrier_in_the_top_three(
    carrier_id: str, waybill: str
) -> None:
    assert carrier_id in _ids(waybill)[:3]


@pytest.mark.parametrize(
    "waybill",
    [
        "5685685685685685",  # courier-validation's own "unknown" number
        "ABCDEFGH",
        "EA473124828CN",  # S10 with a wrong check digit
        "AA473124829GB",  # S10, but a service letter none of the ten uses
        "12345",
    ],
)
def test_a_number_no_shape_describes_has_no_candidate(waybill: str) -> None:
    assert detect_carriers(waybill) == []


def test_case_and_surrounding_blanks_do_not_matter() -> None:
    assert _ids("  sf1385628716739 ") == ["SF"]


def test_s10_check_digit_is_the_standards() -> None:
    # The standard's worked example: 47312482 -> check digit 9.
    assert s10_valid("AA473124829GB")
    assert not s10_valid("AA473124820GB")
    assert s10_valid("EE000000005CN")  # remainder 0: check digit 5


def test_an_s10_number_of_another_post_is_less_certain_than_a_chinese_one() -> None:
    home = detect_carriers("EA473124829CN")[0]
    abroad = detect_carriers("EA473124829US")[0]
    assert (home.carrier_id, abroad.carrier_id) == ("EMS", "EMS")
    assert abroad.confidence < home.confidence


@pytest.mark.parametrize("waybill", [w for _, w in DISTINCT + SHARED] + ["118461988807"])
def test_confidences_are_a_share_of_belief_best_first(waybill: str) -> None:
    guesses = detect_carriers(waybill)
    confidences = [g.confidence for g in guesses]
    assert all(0 < c <= 1 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) <= 1.0 + 1e-9
    assert len({g.carrier_id for g in guesses}) == len(guesses)


def test_ties_keep_the_registry_order() -> None:
    # 12 digits: an older SF number or an older ZTO number, equally.
    guesses = detect_carriers("118461988807")
    assert [g.carrier_id for g in guesses] == ["SF", "ZTO"]
    assert guesses[0].confidence == guesses[1].confidence


def test_the_best_fitting_shape_of_a_carrier_counts() -> None:
    # SF + 13 digits fits both "SF + 13 digits" and the bare SF prefix: the first counts.
    (guess,) = detect_carriers("SF1385628716739")
    assert guess.shape.describes == "SF + 13 digits"
    assert isinstance(guess.shape, WaybillShape)


def test_only_a_carrier_likely_enough_is_acted_on() -> None:
    sure = likely_carrier("73610555582883")
    assert sure is not None
    assert (sure.carrier_id, sure.confidence) == ("ZTO", 0.7)
    assert likely_carrier("1207119765021") is None  # EMS first, at 0.538
    assert likely_carrier("118461988807") is None  # SF or ZTO
    assert likely_carrier("SF12") is None  # a prefix only
    assert DETECTION_THRESHOLD > 0.5  # so no second candidate can reach it

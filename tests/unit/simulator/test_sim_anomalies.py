"""Anomalies come at the configured rates and have the shape they promise."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from quanhub.common.validation import validate_event
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.anomalies import _RECEIPT_DEFECTS, DEFECTS, _missing, break_event
from quanhub.simulator.config import AnomalyRates, SimulationConfig
from quanhub.simulator.encode import encode
from quanhub.simulator.generator import Simulation
from quanhub.simulator.model import Anomaly, CustomsMessage, Kind, Step


def _is_receipt(step: Step) -> bool:
    return isinstance(step.body, CustomsMessage) and step.body.is_receipt


def _by_anomaly(simulation: Simulation) -> dict[Anomaly, list[Step]]:
    out: dict[Anomaly, list[Step]] = defaultdict(list)
    for step in simulation.sends:
        out[step.anomaly].append(step)
    return out


def test_rates_are_within_tolerance(busy_run: Simulation, busy_config: SimulationConfig) -> None:
    groups = _by_anomaly(busy_run)
    clean = groups[Anomaly.NONE] + groups[Anomaly.OUT_OF_ORDER]
    by_object: dict[str, list[Step]] = defaultdict(list)
    for step in sorted(clean, key=lambda s: (s.at, s.event_id)):
        by_object[step.object_key].append(step)
    not_last = sum(len(steps) - 1 for steps in by_object.values())
    roomy = sum(
        1
        for steps in by_object.values()
        for a, b in itertools.pairwise(steps)
        if b.at - a.at > timedelta(seconds=2)
        and (
            a.kind is not Kind.CUSTOMS or (isinstance(a.body, CustomsMessage) and a.body.is_receipt)
        )
    )
    rates = busy_config.anomalies
    n = len(clean)
    assert n > 10_000
    assert len(groups[Anomaly.DUPLICATE]) / n == pytest.approx(rates.duplicate, rel=0.15)
    assert len(groups[Anomaly.MALFORMED]) / n == pytest.approx(rates.malformed, rel=0.2)
    assert len(groups[Anomaly.OUT_OF_ORDER]) / not_last == pytest.approx(
        rates.out_of_order, rel=0.15
    )
    assert len(groups[Anomaly.UNKNOWN_CODE]) / roomy == pytest.approx(rates.unknown_code, rel=0.2)


def test_duplicates_repeat_a_clean_event_byte_for_byte(busy_run: Simulation) -> None:
    groups = _by_anomaly(busy_run)
    clean = {s.event_id: s for s in groups[Anomaly.NONE] + groups[Anomaly.OUT_OF_ORDER]}
    for duplicate in groups[Anomaly.DUPLICATE]:
        original = clean[duplicate.event_id]
        assert encode(duplicate).SerializeToString() == encode(original).SerializeToString()


def test_late_sends_go_out_after_a_later_event_of_their_object(busy_run: Simulation) -> None:
    position = {id(s): i for i, s in enumerate(busy_run.sends)}
    later_sent_earlier = 0
    for step in busy_run.sends:
        if step.anomaly is not Anomaly.OUT_OF_ORDER:
            continue
        before = busy_run.sends[: position[id(step)]]
        assert any(s.object_key == step.object_key and s.at > step.at for s in before)
        later_sent_earlier += 1
    assert later_sent_earlier > 100


def test_unknown_codes_sit_between_two_events_of_their_object(busy_run: Simulation) -> None:
    times: dict[str, list] = defaultdict(list)
    for step in busy_run.sends:
        if step.anomaly in {Anomaly.NONE, Anomaly.OUT_OF_ORDER}:
            times[step.object_key].append(step.at)
    unknown = [s for s in busy_run.sends if s.anomaly is Anomaly.UNKNOWN_CODE]
    assert unknown
    for step in unknown:
        assert min(times[step.object_key]) < step.at < max(times[step.object_key])
        assert step.event_id.endswith("-u")


def test_malformed_events_have_ids_of_their_own(busy_run: Simulation) -> None:
    clean_ids = {s.event_id for s in busy_run.sends if s.anomaly is not Anomaly.MALFORMED}
    malformed = [s.event_id for s in busy_run.sends if s.anomaly is Anomaly.MALFORMED]
    assert len(set(malformed)) == len(malformed)
    assert not clean_ids & set(malformed)


def test_anomaly_rates_parse() -> None:
    assert AnomalyRates.parse("none") == AnomalyRates(0, 0, 0, 0)
    parsed = AnomalyRates.parse("dup=0.1, malformed=0.2,unknown=0.01")
    assert (parsed.duplicate, parsed.malformed, parsed.unknown_code) == (0.1, 0.2, 0.01)
    assert parsed.out_of_order == AnomalyRates().out_of_order
    for bad in ("x=0.1", "duplicate", "duplicate=2", "=0.1"):
        with pytest.raises(ValueError, match=r"anomaly|between"):
            AnomalyRates.parse(bad)


#: The violation code each defect must give: the contract's rule it breaks.
_VIOLATION = {
    "missing": "missing_field",
    "bad": "invalid_format",
    "long": "too_long",
}


def test_each_defect_breaks_the_contracts_rule_it_names(
    busy_run: Simulation, judged_at: datetime
) -> None:
    """A clean event of each kind, broken each way its kind can be: the hub refuses it for
    the rule named (a required field, a named format, a length limit read from ingest.proto)."""
    clean: dict[tuple[Kind, bool], ipb.Event] = {}
    for step, event in busy_run.encoded():
        if step.anomaly is Anomaly.NONE:
            clean.setdefault((step.kind, _is_receipt(step)), event)
    seen: dict[str, set[str]] = defaultdict(set)
    for (kind, receipt), event in clean.items():
        for defect in DEFECTS[kind] + (_RECEIPT_DEFECTS if receipt else ()):
            broken = ipb.Event()
            broken.CopyFrom(event)
            break_event(broken, defect)
            codes = {v.code for v in validate_event(broken, judged_at)}
            assert codes, (kind, defect)
            seen[defect] |= codes
    for defect, codes in seen.items():
        expected = _VIOLATION.get(defect.split("_", 1)[0])
        assert expected is None or expected in codes, (defect, codes)
    assert "too_long" in seen["long_description"]


def test_a_defect_must_break_a_rule_the_contract_states() -> None:
    with pytest.raises(ValueError, match="does not require"):
        _missing("parcel.description")
    with pytest.raises(ValueError, match="unknown defect"):
        break_event(ipb.Event(), "slightly_odd")

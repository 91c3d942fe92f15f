"""The detection accuracy tool (quanhub.bench.detection) counts what docs/partners.md cites."""

from __future__ import annotations

from quanhub.bench.detection import measure, report, simulated_waybills, source_samples


def test_it_takes_the_asked_number_of_simulated_waybills_and_counts_each_once() -> None:
    parcels = simulated_waybills(300, seed=3)
    assert len(parcels) == 300
    overall, per_carrier = measure(parcels)
    assert overall.waybills == sum(t.waybills for t in per_carrier.values()) == 300
    assert overall.top1 <= overall.top3 <= overall.waybills
    assert overall.top3 + overall.missed <= overall.waybills
    # The simulator draws numbers in the documented shapes: every one has its carrier listed.
    assert overall.missed == 0
    assert report(overall, per_carrier).splitlines()[-1].startswith("| all | 300 |")


def test_every_source_sample_is_in_its_carriers_top_three() -> None:
    overall, _ = measure(source_samples())
    assert overall.top3 == overall.waybills > 0
    assert overall.missed == 0


def test_a_carrier_always_named_first_counts_as_top_one() -> None:
    overall, per_carrier = measure([("SF", "SF1385628716739"), ("ZTO", "5685685685685685")])
    assert (per_carrier["SF"].top1, per_carrier["ZTO"].top1, per_carrier["ZTO"].missed) == (1, 0, 1)
    assert per_carrier["SF"].shapes.most_common(1)[0][0] == "SF + 13 digits"
    assert overall.top1 == 1

"""How often carrier detection (quanhub.common.waybills) names a simulated parcel's carrier.

    .venv/bin/python -m quanhub.bench.detection            # 10,000 waybills, seed 1
    .venv/bin/python -m quanhub.bench.detection --waybills 50000 --seed 7

Takes the first `--waybills` parcels of a simulation (quanhub.simulator, no I/O) and prints,
per carrier and overall, how often its carrier is the first candidate (top-1), among the
first three (top-3), or not a candidate at all, and the shape that fitted most often; then
the same of the sample numbers the shapes' sources give. The figures docs/partners.md cites.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from quanhub.common.carriers import CARRIERS
from quanhub.common.waybills import SHAPES, detect_carriers
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate


@dataclass
class Tally:
    """One carrier's (or all carriers') counts."""

    waybills: int = 0
    top1: int = 0
    top3: int = 0
    missed: int = 0
    shapes: Counter[str] = field(default_factory=Counter)

    def add(self, carrier_id: str, waybill_no: str) -> None:
        guesses = detect_carriers(waybill_no)
        ids = [g.carrier_id for g in guesses]
        self.waybills += 1
        self.top1 += ids[:1] == [carrier_id]
        self.top3 += carrier_id in ids[:3]
        self.missed += carrier_id not in ids
        fitted = next((g.shape.describes for g in guesses if g.carrier_id == carrier_id), "none")
        self.shapes[fitted] += 1


def simulated_waybills(count: int, seed: int) -> list[tuple[str, str]]:
    """(carrier id, waybill) of the first `count` parcels of a simulation from `seed`."""
    orders = count + count // 2 + 10  # cancelled orders ship no parcel
    stories = generate(SimulationConfig(orders=orders, seed=seed)).stories
    parcels = [(s.parcel.carrier.carrier_id, s.parcel.waybill_no) for s in stories if s.parcel]
    if len(parcels) < count:
        msg = f"{orders} orders gave {len(parcels)} parcels, fewer than {count}"
        raise RuntimeError(msg)
    return parcels[:count]


def source_samples() -> list[tuple[str, str]]:
    """(carrier id, number) of every sample number the shapes' sources give."""
    return [(shape.carrier_id, number) for shape in SHAPES for number in shape.examples]


def measure(parcels: list[tuple[str, str]]) -> tuple[Tally, dict[str, Tally]]:
    """The overall tally and one per carrier."""
    overall = Tally()
    per_carrier: dict[str, Tally] = defaultdict(Tally)
    for carrier_id, waybill_no in parcels:
        overall.add(carrier_id, waybill_no)
        per_carrier[carrier_id].add(carrier_id, waybill_no)
    return overall, per_carrier


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def report(overall: Tally, per_carrier: dict[str, Tally]) -> str:
    """A markdown table of the figures."""
    lines = [
        "| carrier | waybills | top-1 | top-3 | no candidate | shape that fitted most |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    rows = [(c, per_carrier[c]) for c in CARRIERS if c in per_carrier]
    for name, t in [*rows, ("all", overall)]:
        shape, _ = t.shapes.most_common(1)[0] if t.shapes else ("-", 0)
        lines.append(
            f"| {name} | {t.waybills} | {_pct(t.top1, t.waybills)} | {_pct(t.top3, t.waybills)}"
            f" | {_pct(t.missed, t.waybills)} | {shape if name != 'all' else ''} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m quanhub.bench.detection", description=__doc__)
    parser.add_argument("--waybills", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    simulated = report(*measure(simulated_waybills(args.waybills, args.seed)))
    samples = report(*measure(source_samples()))
    print(f"Simulated waybills:\n\n{simulated}\n\nThe sources' sample numbers:\n\n{samples}")  # noqa: T201


if __name__ == "__main__":
    main()

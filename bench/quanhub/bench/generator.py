"""How fast the generator alone is: `python -m quanhub.bench.generator [ORDERS] [SEED]`.

Prints wall and CPU time of generation, and of encoding into 500-event protobuf batches.
CPU seconds are the fairer figure on a shared machine (other processes stretch wall time).
"""

from __future__ import annotations

import sys
import time

from quanhub.simulator.batches import batches
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate


def main(argv: list[str]) -> None:
    """Generate ORDERS orders with SEED and report the rates."""
    orders = int(argv[0]) if argv else 20_000
    seed = int(argv[1]) if len(argv) > 1 else 1
    wall0, cpu0 = time.perf_counter(), time.process_time()
    simulation = generate(SimulationConfig(orders=orders, seed=seed))
    wall1, cpu1 = time.perf_counter(), time.process_time()
    events = size = 0
    for batch in batches(simulation.encoded(), 500):
        events += batch.events
        size += len(batch.body)
    wall2, cpu2 = time.perf_counter(), time.process_time()
    out = sys.stdout
    out.write(f"{orders} orders (seed {seed}) -> {len(simulation.sends)} sends\n")
    out.write(
        f"generate:     wall {wall1 - wall0:6.2f}s  cpu {cpu1 - cpu0:6.2f}s  "
        f"{len(simulation.sends) / (cpu1 - cpu0):>9,.0f} sends per CPU-second\n"
    )
    out.write(
        f"encode+batch: wall {wall2 - wall1:6.2f}s  cpu {cpu2 - cpu1:6.2f}s  "
        f"{events / (cpu2 - cpu1):>9,.0f} events per CPU-second, {size / events:.0f} B/event\n"
    )
    out.write(
        f"together:     {events / (cpu2 - cpu0):,.0f} events per CPU-second, "
        f"{events / (wall2 - wall0):,.0f} events/s wall\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

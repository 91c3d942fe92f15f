"""`python -m quanhub.bench`: run the benchmark (bench/README.md), or seed its ledgers."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from quanhub.common import runtime
from quanhub.common.logging import configure_logging


def main() -> None:
    """Parse arguments; `seed` prepares kept ledgers, anything else runs the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m quanhub.bench", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run every stage and write bench/results/<stamp>.*")
    run.add_argument("--quick", action="store_true", help="the short version (< 10 minutes)")
    run.add_argument("--out", type=Path, default=Path("bench/results"))
    run.add_argument("--only", default="", help="comma-separated stages (default: all)")
    run.add_argument("--profile", action="store_true", help="py-spy record the services")
    run.add_argument("--reseed", action="store_true", help="seed the query ledgers again")
    run.add_argument(
        "--no-seed", action="store_true", help="use kept query ledgers only; never seed one"
    )
    run.add_argument(
        "--shards",
        default="1,2,4",
        help="comma-separated shard counts for the shards stage, each on one PostgreSQL, then "
        "each above 1 on two (counts a ledger cannot have are reported as not measured)",
    )
    run.add_argument(
        "--shards-warm-events",
        type=int,
        default=None,
        help="events in the shards stage's warm ledger (default: the plan's, 200,000; "
        "WAL per event grows with it)",
    )
    seed = sub.add_parser("seed", help="create the kept seeded ledgers for the query stage")
    seed.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    seed.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    configure_logging("INFO", json=False)
    # One log line per request would cost the load clients more CPU than the requests.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "seed":
        from quanhub.bench.env import bench_env
        from quanhub.bench.ledgers import ensure_ledger

        async def _seed() -> None:
            env = bench_env("seed")
            for events in args.events:
                await ensure_ledger(env, events, reseed=args.reseed)

        runtime.run(_seed())
        return
    from quanhub.bench.run import run_all

    runtime.run(
        run_all(
            args.quick,
            args.out,
            args.only,
            args.profile,
            args.reseed,
            not args.no_seed,
            tuple(int(n) for n in args.shards.split(",") if n),
            args.shards_warm_events,
        )
    )


if __name__ == "__main__":
    main()

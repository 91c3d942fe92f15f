"""What the shards' locks were held for, per wall second and per event (timed exactly:
quanhub.bench.lock_timing): each shard's writer and projector lock, the global lock
(ledger_sequence) they all share on one instance and the ceiling `G` it puts on what one
instance makes visible, and a paced run's utilisation against 1/S of one shard's."""

from __future__ import annotations

from collections.abc import Sequence

from quanhub.bench.measure import Measure
from quanhub.bench.shard_costs import GROUP, Lane

#: The lock each lane's turn holds, per shard.
LOCKS = {"writer": "its ledger_appended row", "projector": "its ledger_visible row"}
_EXACT = "granted → COMMIT returned, on the lane's connection"
_OWN = "projector lock utilisation less its global-lock waits"
_PACED = ("writer lock utilisation", "projector lock utilisation", _OWN)


def lock_figures(name: str, lanes: Sequence[Lane], wall: float, shards: int) -> list[Measure]:
    """Each shard's lock utilisation, time taking it and events per lock-second; the mean
    per shard; the global lock's utilisation, waits and events per global-lock-second."""
    out: list[Measure] = []
    for lane in lanes:
        locks = lane.locks
        out += [
            Measure(
                f"{name}: shard {lane.shard} {lane.name} lock utilisation",
                locks.held / wall,
                "held s per wall s",
                GROUP,
                note=f"{locks.turns} transactions holding {LOCKS[lane.name]}, {_EXACT}",
            ),
            Measure(
                f"{name}: shard {lane.shard} {lane.name} lane, events per lock-second",
                lane.events / locks.held if locks.held else None,
                "events/s",
                GROUP,
                note="the lane's ceiling if its lock were held all the time",
            ),
        ]
    for kind in ("writer", "projector"):
        mine = [lane.locks.held for lane in lanes if lane.name == kind]
        if shards > 1 and mine:
            out.append(
                Measure(
                    f"{name}: {kind} lock utilisation per shard (mean)",
                    sum(mine) / len(mine) / wall,
                    "held s per wall s",
                    GROUP,
                    note=f"mean over {len(mine)} shards of {LOCKS[kind]}",
                )
            )
    steps = [lane for lane in lanes if lane.name == "projector"]
    if shards > 1 and steps:
        out.append(
            Measure(
                f"{name}: {_OWN} per shard (mean)",
                sum(lane.locks.held - lane.locks.global_waited for lane in steps)
                / len(steps)
                / wall,
                "held s per wall s",
                GROUP,
                note="its ledger_visible row held, less the time it waited in it for the "
                "global lock: the time the lane itself needs",
            )
        )
    if steps:
        out += _global(name, steps, wall)
    return out


def _global(name: str, steps: Sequence[Lane], wall: float) -> list[Measure]:
    held = sum(lane.locks.global_held for lane in steps)
    waited = sum(lane.locks.global_waited for lane in steps)
    turns = sum(lane.locks.global_turns for lane in steps)
    events = sum(lane.events for lane in steps)
    return [
        Measure(
            f"{name}: global lock (ledger_sequence) utilisation",
            held / wall,
            "held s per wall s",
            GROUP,
            note=f"{turns} projector steps over every shard, each from the server granting "
            "the lock (clock_timestamp() marks in its script) to its COMMIT returning",
        ),
        Measure(
            f"{name}: global lock, waiting for it per wall second (all shards)",
            waited / wall,
            "waiting s per wall s",
            GROUP,
            note="server clock, asked → granted, summed over the shards' projectors",
        ),
        Measure(
            f"{name}: global lock, held per step",
            held / turns * 1000 if turns else None,
            "ms",
            GROUP,
            note=f"{events / turns if turns else 0:,.0f} events per step on average",
        ),
        Measure(
            f"{name}: G, events per global-lock-second",
            events / held if held else None,
            "events/s",
            GROUP,
            note="what one instance could make visible with the global lock held all the "
            "time, at this run's step sizes",
        ),
    ]


def paced_against_one(out: Sequence[Measure], label: str, reference: str) -> list[Measure]:
    """For each shard count's paced run (`label`), its per-shard lock utilisation against
    its reference's (`reference`: the same rate through one shard's lanes, run just
    before): lanes that need only their share of the rate scale as 1/S."""
    values = {m.name: m.value for m in out}
    added: list[Measure] = []
    for m in out:
        prefix, _, rest = m.name.partition(f", {label}: ")
        kind = rest.removesuffix(" per shard (mean)")
        if kind == rest or kind not in _PACED or m.value is None:
            continue
        # One shard alone never waits for the global lock: its own time is all of it.
        one = values.get(f"{prefix}, {reference}: shard 0 {kind.split(' less ')[0]}")
        if not one:
            continue
        shards = int(prefix.removeprefix("S="))
        added.append(
            Measure(
                f"{prefix}, {label}: {kind} per shard, against one shard",
                m.value,
                "held s per wall s",
                GROUP,
                baseline=one,
                baseline_name=f"{prefix}, {reference}",
                note=f"1/S = {1 / shards:.3f}: the ratio falls as 1/S where the lane's "
                "time per event is all it needs",
            )
        )
    return added

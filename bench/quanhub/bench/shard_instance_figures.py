"""The figures of a shards-stage run on two PostgreSQL instances (quanhub.bench
.shard_instances): rate to published, CPU and WAL per instance and in all, each shard's
locks, the home's global lock (home shards' steps and the sequencer's passes), G on two
instances and the sequencer's lag."""

from __future__ import annotations

from collections.abc import Sequence

from quanhub.bench.measure import Measure
from quanhub.bench.shard_costs import GROUP, Lane, Sample
from quanhub.bench.shard_locks import lock_figures
from quanhub.bench.shard_sequencer import Sequencer
from quanhub.ledger.store.shard_map import ShardMap

LABEL = "two instances, writer and projector together"
#: lock_figures' global-lock measures: on two instances the lock differs by instance.
_ONE_INSTANCE = (": global lock", ": G,")


class Instances:
    """One two-instance run's samples, and its figures."""

    def __init__(  # noqa: PLR0917 - the run's record, in order
        self,
        shard_map: ShardMap,
        shards: int,
        events: int,
        before: Sequence[Sample],
        after: Sequence[Sample],
        wal: Sequence[float],
        conditions: str,
    ) -> None:
        self.map, self.shards, self.events = shard_map, shards, events
        self.before, self.after, self.wal, self.conditions = before, after, wal, conditions
        self.name = f"S={shards}, {LABEL}"

    def _m(self, what: str, value: float | None, unit: str, note: str) -> Measure:
        return Measure(f"{self.name}: {what}", value, unit, GROUP, note=note)

    def figures(
        self, lanes_: Sequence[Lane], sequencer: Sequencer, visible: float
    ) -> list[Measure]:
        """Rates, CPU and WAL per event (per instance and in all), the shards' locks, the
        home's global lock and the sequencer's passes and lag."""
        b, a, n = self.before, self.after, max(self.events, 1)
        wall = a[0].wall - b[0].wall
        load = f"load average {b[0].loadavg[0]:.2f} → {a[0].loadavg[0]:.2f}"
        out = [
            self._m(
                "events/s",
                self.events / wall,
                "events/s",
                f"{self.events:,} events in {wall:.2f} s to the last one published (visible on "
                f"its instance after {visible - b[0].wall:.2f} s); {load}; shard k on instance "
                f"k mod {self.map.instances}",
            )
        ]
        out += [
            self._m(
                f"shard {lane.shard} events/s",
                lane.events / wall,
                "events/s",
                f"{lane.events:,} events; on instance {self.map.instance_of(lane.shard)}",
            )
            for lane in lanes_
            if lane.name == "projector"
        ]
        client = a[0].client_cpu - b[0].client_cpu
        servers = [
            None if x.server_cpu is None or y.server_cpu is None else x.server_cpu - y.server_cpu
            for x, y in zip(a, b, strict=True)
        ]
        for kind in ("writer", "projector"):
            used = sum(
                x.backend_cpu[k] - y.backend_cpu[k]
                for x, y in zip(a, b, strict=True)
                for k in x.backend_cpu
                if k.startswith(kind)
            )
            out.append(self._m(f"CPU, {kind} backends", used * 1e6 / n, "µs/event", "summed, both"))
        out.append(
            self._m(
                "CPU, lanes' and sequencer's client side (this process)",
                client * 1e6 / n,
                "µs/event",
                "user + system, os.times()",
            )
        )
        for i, server in enumerate(servers):
            out.append(
                self._m(
                    f"CPU, PostgreSQL instance {i} (all processes)",
                    None if server is None else server * 1e6 / n,
                    "µs/event",
                    "the server's process tree, over every event of the run",
                )
            )
        known = [s for s in servers if s is not None]
        out.append(
            self._m(
                "CPU, client + both servers",
                (client + sum(known)) * 1e6 / n if len(known) == len(servers) else None,
                "µs/event",
                "what the shards' ledger costs the machine per event",
            )
        )
        for i, wal in enumerate(self.wal):
            held = len(self.map.shards_of(i, self.shards))
            out += [
                self._m(
                    f"WAL, instance {i}",
                    wal / n,
                    "bytes/event",
                    f"over every event of the run; it holds {held} of {self.shards} shards",
                ),
                self._m(
                    f"WAL full-page images, instance {i}",
                    (a[i].wal_fpi - b[i].wal_fpi) * 1000 / n,
                    "per 1,000 events",
                    "pg_stat_wal.wal_fpi: pages logged whole, first touch after a checkpoint",
                ),
            ]
        out.append(
            self._m("WAL, both instances", sum(self.wal) / n, "bytes/event", self.conditions)
        )
        shown = lock_figures(self.name, lanes_, wall, self.shards)
        out += [m for m in shown if not any(s in m.name for s in _ONE_INSTANCE)]
        return out + self._global(lanes_, sequencer, wall)

    def _global(self, lanes_: Sequence[Lane], sequencer: Sequencer, wall: float) -> list[Measure]:
        steps = [lane for lane in lanes_ if lane.name == "projector"]
        home = sum(s.locks.global_held for s in steps if self.map.on_home(s.shard))
        away = sum(s.locks.global_held for s in steps if not self.map.on_home(s.shard))
        held = home + sequencer.held
        lags = sorted(sequencer.lags)
        return [
            self._m(
                "global lock on home (ledger_sequence) utilisation",
                held / wall,
                "held s per wall s",
                f"home shards' steps {home / wall:.3f} (server-timed) + sequencer passes "
                f"{sequencer.held / wall:.3f} (each pass's time less its wait for the lock)",
            ),
            self._m(
                "sequencer passes, global lock held per pass",
                sequencer.held / sequencer.passes * 1000 if sequencer.passes else None,
                "ms",
                f"{sequencer.passes} passes, {sequencer.published:,} events published",
            ),
            self._m(
                "G on two instances, events per home global-lock-second",
                self.events / held if held else None,
                "events/s",
                "every shard's events over the home's global lock time: home shards' steps "
                "and the sequencer's passes for the others",
            ),
            self._m(
                "ledger_sequence on instance 1 utilisation (off-home steps)",
                away / wall,
                "held s per wall s",
                "the instance's shared rows' lock, no global numbering under it",
            ),
            self._m(
                "sequencer lag, visible → published (mean)",
                sum(lags) / len(lags) * 1000 if lags else None,
                "ms",
                f"{len(lags)} off-home steps, from their NOTIFY heard to the pass's COMMIT",
            ),
            self._m(
                "sequencer lag, visible → published (max)",
                lags[-1] * 1000 if lags else None,
                "ms",
                "the latest an off-home step was published",
            ),
        ]

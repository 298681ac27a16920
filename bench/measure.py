"""Interleaved measurement: every variant runs in every round, in short alternating slices.

A round is ``slices`` passes; each pass runs one short batch (a slice) of every variant,
the order rotating pass by pass (A B, B A, A B ... for two). A variant's figure for the
round is the median of its slices, so the two sides of a ratio are taken milliseconds
apart, and a slice that another process's burst on the shared cores slowed down is
outvoted instead of averaged in. Per-round ratios (bench.ratios) divide two variants'
figures of the same round, so drift in the machine's speed cancels. One slice per round
is the older shape: one batch per variant per round. Around every slice the runner reads
wall time, this process's CPU time (the client's share only) and the server process
tree's CPU time, outside the timed region.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# The server is one single-threaded Python worker pinned to one core: above this share of
# that core during a batch, the batch was waiting on the server, not on the client.
SERVER_BOUND_UTILISATION = 0.9


class StatsReader(Protocol):
    def reset(self) -> dict[str, Any]: ...
    def get(self) -> dict[str, Any]: ...


@dataclass
class Outcome:
    """What one batch did: requests that completed, and failures by exception name."""

    completed: int
    failures: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Variant:
    """One way of doing the same work; ``batch`` runs ``requests`` requests and reports."""

    name: str
    batch: Callable[[], Outcome | int]
    requests: int
    transport: str = "http"


@dataclass
class Slice:
    """One timed batch of a variant."""

    wall: float
    client_cpu: float
    server_cpu: float
    outcome: Outcome
    stats: dict[str, Any] | None = None


@dataclass
class Round:
    """A variant's slices of one round; the round's figures are their medians."""

    slices: list[Slice]

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.slices)

    @property
    def client_cpu(self) -> float:
        return statistics.median(s.client_cpu for s in self.slices)


@dataclass
class Samples:
    """Every measured round of one variant, in round order; ``variant.requests`` is the
    number of requests of one slice."""

    variant: Variant
    rounds: list[Round] = field(default_factory=list)

    def slices(self) -> list[Slice]:
        return [s for r in self.rounds for s in r.slices]

    def wall_per_request(self) -> list[float]:
        return [r.wall / self.variant.requests for r in self.rounds]

    def wall_per_batch(self) -> list[float]:
        return [r.wall for r in self.rounds]

    def client_cpu_per_request(self) -> list[float]:
        return [r.client_cpu / self.variant.requests for r in self.rounds]

    def server_totals(self) -> tuple[float, float, int]:
        """(server CPU, wall, requests) summed over slices: the server's CPU clock ticks
        in 10 ms steps (psutil), too coarse for one short batch, fine for their sum."""
        slices = self.slices()
        return (sum(s.server_cpu for s in slices), sum(s.wall for s in slices),
                self.variant.requests * len(slices))

    def completed(self) -> int:
        return sum(s.outcome.completed for s in self.slices())

    def failures(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.slices():
            total.update(s.outcome.failures)
        return total

    def stats_values(self, key: str) -> list[Any]:
        return [s.stats.get(key) for s in self.slices() if s.stats is not None]

    def slice_walls(self) -> list[list[float]]:
        """Every slice's wall time, round by round (kept in the results for re-analysis)."""
        return [[s.wall for s in r.slices] for r in self.rounds]

    def slice_cpus(self) -> list[list[float]]:
        """Every slice's client CPU time, round by round (kept beside the wall times)."""
        return [[s.client_cpu for s in r.slices] for r in self.rounds]


def _as_outcome(result: Outcome | int) -> Outcome:
    return result if isinstance(result, Outcome) else Outcome(result)


def collect_and_freeze() -> None:
    gc.collect()
    gc.freeze()


def run_batch(variant: Variant, server_cpu: Callable[[], float],
              stats: StatsReader | None = None, collect: bool = True) -> Slice:
    """Run one batch of ``variant`` and measure it; GC is collected first (unless
    ``collect`` is false: the caller collected), then left on.

    What survives the collection is frozen (moved out of the collector's generations), so
    the next batch's collection scans only what was made since, not the whole session's
    heap again (30-100 ms a batch, a minute over a full run, with pytest's objects counted
    in); collections during a batch likewise see the client's objects, not pytest's.
    """
    if stats is not None:
        stats.reset()
    if collect:
        collect_and_freeze()
    server_before = server_cpu()
    cpu_before = time.process_time()
    started = time.perf_counter()
    outcome = _as_outcome(variant.batch())
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_before
    server_used = server_cpu() - server_before
    seen = stats.get() if stats is not None else None
    return Slice(wall, client_cpu, server_used, outcome, seen)


def pass_order(variants: Sequence[Variant], index: int) -> list[Variant]:
    """The variants in the order of pass ``index``: rotated, so none always runs first."""
    shift = index % len(variants)
    return [*variants[shift:], *variants[:shift]]


def measure_interleaved(variants: Sequence[Variant], rounds: int, warmup_rounds: int,
                        server_cpu: Callable[[], float],
                        stats: StatsReader | None = None, slices: int = 1) -> dict[str, Samples]:
    """``warmup_rounds`` discarded rounds, then ``rounds`` measured; each round is
    ``slices`` passes over the variants, the order rotating from pass to pass.

    With one slice GC is collected before every batch; with more, once a round, so a
    slice of a few requests does not start on caches the collector has just swept (GC
    pauses then fall in some slices, which the round's median outvotes)."""
    if rounds < 1 or slices < 1:
        raise ValueError("at least one measured round and one slice are needed")
    results = {v.name: Samples(v) for v in variants}
    passes = 0
    for index in range(warmup_rounds + rounds):
        taken: dict[str, list[Slice]] = {v.name: [] for v in variants}
        if slices > 1:
            collect_and_freeze()
        for _ in range(slices):
            for variant in pass_order(variants, passes):
                taken[variant.name].append(run_batch(variant, server_cpu, stats,
                                                     collect=slices == 1))
            passes += 1
        if index >= warmup_rounds:
            for name, kept in taken.items():
                results[name].rounds.append(Round(kept))
    return results


def repeat(count: int, call: Callable[[], Any]) -> Callable[[], int]:
    """A batch that makes ``call`` ``count`` times and reports ``count`` requests."""
    def batch() -> int:
        for _ in range(count):
            call()
        return count
    return batch

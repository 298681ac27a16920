"""Interleaved measurement: every variant runs once per round, rounds repeat (A B A B ...).

Drift in the machine's speed then hits every variant of a round alike, so per-round ratios
cancel it; the order within a round rotates so no variant always runs first. Around every
batch the runner reads wall time, this process's CPU time (the client's share only) and
the server process tree's CPU time, outside the timed region.
"""

from __future__ import annotations

import gc
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
class RoundSample:
    wall: float
    client_cpu: float
    server_cpu: float
    outcome: Outcome
    stats: dict[str, Any] | None = None


@dataclass
class Samples:
    """Every measured round of one variant, in round order."""

    variant: Variant
    rounds: list[RoundSample] = field(default_factory=list)

    def wall_per_request(self) -> list[float]:
        return [r.wall / self.variant.requests for r in self.rounds]

    def wall_per_batch(self) -> list[float]:
        return [r.wall for r in self.rounds]

    def client_cpu_per_request(self) -> list[float]:
        return [r.client_cpu / self.variant.requests for r in self.rounds]

    def server_cpu_per_request(self) -> list[float]:
        return [r.server_cpu / self.variant.requests for r in self.rounds]

    def server_totals(self) -> tuple[float, float, int]:
        """(server CPU, wall, requests) summed over rounds: the server's CPU clock ticks
        in 10 ms steps (psutil), too coarse for one short batch, fine for their sum."""
        return (sum(r.server_cpu for r in self.rounds), sum(r.wall for r in self.rounds),
                self.variant.requests * len(self.rounds))

    def failures(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.rounds:
            total.update(r.outcome.failures)
        return total

    def stats_values(self, key: str) -> list[Any]:
        return [r.stats.get(key) for r in self.rounds if r.stats is not None]


def _as_outcome(result: Outcome | int) -> Outcome:
    return result if isinstance(result, Outcome) else Outcome(result)


def run_batch(variant: Variant, server_cpu: Callable[[], float],
              stats: StatsReader | None = None) -> RoundSample:
    """Run one batch of ``variant`` and measure it; GC is collected first, then left on.

    What survives the collection is frozen (moved out of the collector's generations), so
    the next batch's collection scans only what was made since, not the whole session's
    heap again (30-100 ms a batch, a minute over a full run, with pytest's objects counted
    in); collections during a batch likewise see the client's objects, not pytest's.
    """
    if stats is not None:
        stats.reset()
    gc.collect()
    gc.freeze()
    server_before = server_cpu()
    cpu_before = time.process_time()
    started = time.perf_counter()
    outcome = _as_outcome(variant.batch())
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_before
    server_used = server_cpu() - server_before
    seen = stats.get() if stats is not None else None
    return RoundSample(wall, client_cpu, server_used, outcome, seen)


def measure_interleaved(variants: Sequence[Variant], rounds: int, warmup_rounds: int,
                        server_cpu: Callable[[], float],
                        stats: StatsReader | None = None) -> dict[str, Samples]:
    """``warmup_rounds`` discarded rounds, then ``rounds`` measured, variants interleaved."""
    if rounds < 1:
        raise ValueError("at least one measured round is needed")
    results = {v.name: Samples(v) for v in variants}
    for index in range(warmup_rounds + rounds):
        shift = index % len(variants)
        for variant in [*variants[shift:], *variants[:shift]]:
            sample = run_batch(variant, server_cpu, stats)
            if index >= warmup_rounds:
                results[variant.name].rounds.append(sample)
    return results


def repeat(count: int, call: Callable[[], Any]) -> Callable[[], int]:
    """A batch that makes ``call`` ``count`` times and reports ``count`` requests."""
    def batch() -> int:
        for _ in range(count):
            call()
        return count
    return batch

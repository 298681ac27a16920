"""Rounds of alternating slices (bench.measure): order, grouping, and the ratio they give.

A fake clock stands in for ``time.perf_counter``: each slice "takes" the time its variant's
script says, so the tests check which slices a round's figure and a headline's ratio are
made of, never how fast anything ran.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench import measure
from bench.measure import Outcome, Variant, measure_interleaved
from bench.ratios import headline
from bench.recording import describe


class FakeClock:
    """perf_counter for the runner: a slice advances it by its variant's next duration."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[str] = []

    def perf_counter(self) -> float:
        return self.now

    def variant(self, name: str, durations: list[float], requests: int = 1) -> Variant:
        script: Iterator[float] = iter(durations)

        def batch() -> Outcome:
            self.calls.append(name)
            self.now += next(script)
            return Outcome(requests)
        return Variant(name, batch, requests)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(measure.time, "perf_counter", fake.perf_counter)
    return fake


def test_slices_of_two_variants_alternate_within_and_across_rounds(clock: FakeClock) -> None:
    a = clock.variant("A", [1.0] * 12)
    b = clock.variant("B", [1.0] * 12)
    results = measure_interleaved([a, b], rounds=2, warmup_rounds=1, server_cpu=lambda: 0.0,
                                  slices=4)
    # 3 rounds x 4 passes; the pass order flips every pass, so neither side always leads
    # and the two sides of a pair are always next to each other.
    assert clock.calls == ["A", "B", "B", "A"] * 6
    assert [len(r.slices) for r in results["A"].rounds] == [4, 4]  # warm-up round dropped


def test_three_variants_take_every_place_in_turn(clock: FakeClock) -> None:
    variants = [clock.variant(name, [1.0] * 3) for name in "ABC"]
    measure_interleaved(variants, rounds=1, warmup_rounds=0, server_cpu=lambda: 0.0,
                        slices=3)
    assert clock.calls == ["A", "B", "C", "B", "C", "A", "C", "A", "B"]


def test_a_round_is_the_median_of_its_own_slices(clock: FakeClock) -> None:
    # Round 1: A's slices 2, 2, 9 (one slowed by a burst), B's 1, 1, 1. Round 2: A 4, 4, 4,
    # B 2, 2, 2. Requests per slice: 2.
    a = clock.variant("A", [2.0, 2.0, 9.0, 4.0, 4.0, 4.0], requests=2)
    b = clock.variant("B", [1.0] * 3 + [2.0] * 3, requests=2)
    results = measure_interleaved([a, b], rounds=2, warmup_rounds=0, server_cpu=lambda: 0.0,
                                  slices=3)
    assert results["A"].wall_per_batch() == [2.0, 4.0]  # the 9 is outvoted, not averaged in
    assert results["A"].wall_per_request() == [1.0, 2.0]
    assert results["A"].slice_walls() == [[2.0, 2.0, 9.0], [4.0, 4.0, 4.0]]
    ratio = headline("A/B", "A", "B", results["A"].wall_per_request(),
                     results["B"].wall_per_request(), unit="x", better="lower")
    # Each ratio divides A and B of the same round: 2/1 and 4/2, not 2/2 or 4/1.
    assert ratio["ratio_samples"] == [2.0, 2.0]


def test_totals_count_every_slice(clock: FakeClock) -> None:
    a = clock.variant("A", [1.0] * 8, requests=3)
    ticks = iter(range(1000))
    results = measure_interleaved([a], rounds=2, warmup_rounds=0,
                                  server_cpu=lambda: float(next(ticks)), slices=4)
    samples = results["A"]
    assert samples.server_totals() == (8.0, 8.0, 24)  # 8 slices of 3 requests, 1 s each
    assert samples.completed() == 24
    info = describe(samples, per="request")
    assert (info["rounds"], info["slices_per_round"]) == (2, 4)
    assert info["slice_walls"] == [[1.0] * 4, [1.0] * 4]
    assert [len(r) for r in info["slice_cpus"]] == [4, 4]  # client CPU, beside each wall


def test_zero_slices_is_refused() -> None:
    with pytest.raises(ValueError, match="slice"):
        measure_interleaved([Variant("A", lambda: 1, 1)], rounds=1, warmup_rounds=0,
                            server_cpu=lambda: 0.0, slices=0)


def test_sliced_rounds_collect_garbage_once_a_round_and_single_batches_each_time(
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure.gc, "collect", lambda: clock.calls.append("gc"))
    monkeypatch.setattr(measure.gc, "freeze", lambda: None)
    a, b = clock.variant("A", [1.0] * 4), clock.variant("B", [1.0] * 4)
    measure_interleaved([a, b], rounds=2, warmup_rounds=0, server_cpu=lambda: 0.0, slices=2)
    assert clock.calls == ["gc", "A", "B", "B", "A"] * 2
    clock.calls.clear()
    a, b = clock.variant("A", [1.0] * 2), clock.variant("B", [1.0] * 2)
    measure_interleaved([a, b], rounds=2, warmup_rounds=0, server_cpu=lambda: 0.0)
    assert clock.calls == ["gc", "A", "gc", "B", "gc", "B", "gc", "A"]

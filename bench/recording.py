"""Hand interleaved samples to pytest-benchmark, so its JSON and compare tools see them.

pytest-benchmark times one callable per test; interleaving needs every variant timed in
the same loop. So the rounds are measured by ``bench.measure`` and each variant's per-round
durations are recorded into that variant's own benchmark entry here. This module is the
one place that uses pytest-benchmark's ``_make_stats`` (present from 3.x to 5.x);
tests/test_bench_recording.py checks that the JSON still comes out right.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median
from typing import Any

from bench.measure import SERVER_BOUND_UTILISATION, Samples
from bench.ratios import coefficient_of_variation


def record_durations(benchmark: Any, durations: Sequence[float]) -> None:
    """Record one duration per round as that round's timing (one iteration per round)."""
    if getattr(benchmark, "disabled", False):
        return
    benchmark._mode = "bench.recording"  # used, though not through benchmark(...)
    stats = benchmark._make_stats(1)
    for duration in durations:
        stats.update(duration)


def describe(samples: Samples, per: str) -> dict[str, Any]:
    """The ``extra_info`` every timed variant carries: CPU, server load, failures, CV."""
    timings = samples.wall_per_request() if per == "request" else samples.wall_per_batch()
    server_cpu, wall, requests = samples.server_totals()
    utilisation = server_cpu / wall if wall > 0 else 0.0
    info: dict[str, Any] = {
        "variant": samples.variant.name,
        "transport": samples.variant.transport,
        "timing": f"seconds per {per}",
        "requests_per_batch": samples.variant.requests,
        "rounds": len(samples.rounds),
        "slices_per_round": len(samples.rounds[0].slices) if samples.rounds else 0,
        # A round's figure is the median of its slices; every slice kept, for re-analysis.
        "slice_walls": samples.slice_walls(),
        "slice_cpus": samples.slice_cpus(),
        "cv": coefficient_of_variation(timings),
        "requests_per_second": samples.variant.requests / median(samples.wall_per_batch()),
        "client_cpu_us_per_request": 1e6 * median(samples.client_cpu_per_request()),
        "server_cpu_us_per_request": 1e6 * server_cpu / requests,
        "server_utilisation": utilisation,
        "server_bound": utilisation > SERVER_BOUND_UTILISATION,
        "failures": dict(samples.failures()),
        "completed": samples.completed(),
    }
    return info


def record(benchmark: Any, samples: Samples, per: str = "request", group: str | None = None,
           **extra: Any) -> dict[str, Any]:
    """Record ``samples`` as ``benchmark``'s rounds and fill its ``extra_info``.

    ``group`` is pytest-benchmark's table group: the variants of one interleaved case.
    """
    if group is not None:
        benchmark.group = group
    timings = samples.wall_per_request() if per == "request" else samples.wall_per_batch()
    record_durations(benchmark, timings)
    info = {**describe(samples, per), **extra}
    benchmark.extra_info.update(info)
    return info

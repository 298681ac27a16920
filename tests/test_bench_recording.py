"""Interleaved samples reach pytest-benchmark's JSON unchanged in format (bench.recording)."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

BENCH_TEST = """
from bench.measure import Outcome, Variant, measure_interleaved
from bench.recording import record

def test_recorded(benchmark):
    durations = iter([0.5, 1.0, 1.5, 2.0])
    clock = iter(range(100))
    variant = Variant("v", lambda: Outcome(2), requests=2)
    samples = measure_interleaved([variant], rounds=4, warmup_rounds=0,
                                  server_cpu=lambda: float(next(clock)))
    for sample in samples["v"].slices():  # fixed wall times, so the stats are known
        sample.wall = next(durations)
    record(benchmark, samples["v"], per="batch", scenario="pooling")
"""


def test_recorded_rounds_become_the_benchmark_stats(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_recorded=BENCH_TEST)
    out = pytester.path / "out.json"
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--benchmark-json={out}")
    result.assert_outcomes(passed=1)
    assert "not used" not in result.stdout.str()  # pytest-benchmark saw the fixture used
    (bench,) = json.loads(out.read_text())["benchmarks"]
    assert bench["stats"]["rounds"] == 4
    assert bench["stats"]["data"] == [0.5, 1.0, 1.5, 2.0]
    assert bench["stats"]["median"] == 1.25
    assert bench["extra_info"]["scenario"] == "pooling"
    assert bench["extra_info"]["server_cpu_us_per_request"] == pytest.approx(0.5e6)

"""Regression verdicts: the statistical rule, and the command CI gates on."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from reports.compare import compare, headline_lower_is_better, judge
from tests.reports_helpers import DATA, NEW_RUN, OLD_RUN, copy_results, run_cli, run_main

TRIALS = 400
SAMPLES = 30


def noisy(rng: random.Random, median: float, spread: float, count: int = SAMPLES) -> list:
    """Timings with multiplicative noise (log-normal, like benchmark rounds)."""
    return [median * rng.lognormvariate(0, spread) for _ in range(count)]


def test_identical_samples_never_flag() -> None:
    rng = random.Random(1)
    for _ in range(100):
        samples = noisy(rng, 1e-3, 0.1)
        assert judge(samples, list(samples)).verdict == "unchanged"
    assert judge([2.0] * 20, [2.0] * 20).verdict == "unchanged"  # all ties


def test_a_twenty_percent_slowdown_always_flags() -> None:
    rng = random.Random(2)
    verdicts = {judge(noisy(rng, 1e-3, 0.05), noisy(rng, 1.2e-3, 0.05)).verdict
                for _ in range(TRIALS)}
    assert verdicts == {"regression"}


def test_a_twenty_percent_speedup_is_an_improvement_not_a_regression() -> None:
    rng = random.Random(3)
    verdicts = {judge(noisy(rng, 1.2e-3, 0.05), noisy(rng, 1e-3, 0.05)).verdict
                for _ in range(TRIALS)}
    assert verdicts == {"improvement"}


def test_a_two_percent_shift_under_a_five_percent_minimum_never_flags() -> None:
    rng = random.Random(4)
    # Quiet enough that a 2% shift is significant: only the minimum effect keeps it quiet.
    results = [judge(noisy(rng, 1e-3, 0.01), noisy(rng, 1.02e-3, 0.01))
               for _ in range(TRIALS)]
    assert sum(r.p_worse < 0.01 for r in results) > TRIALS / 2
    assert {r.verdict for r in results} == {"unchanged"}


def with_outliers(rng: random.Random, median: float) -> list:
    """Quiet timings with a tenth of rounds hit by a 2-5x stall (GC, a noisy neighbour)."""
    return [x * (rng.uniform(2, 5) if rng.random() < 0.1 else 1)
            for x in noisy(rng, median, 0.05)]


@pytest.mark.parametrize("draw", [lambda rng: noisy(rng, 1e-3, 0.3),
                                  lambda rng: with_outliers(rng, 1e-3)],
                         ids=["log-normal", "outliers"])
def test_noise_without_a_shift_flags_in_under_five_percent_of_trials(draw) -> None:
    rng = random.Random(5)
    flagged = sum(judge(draw(rng), draw(rng)).verdict == "regression" for _ in range(1000))
    assert flagged < 50


def test_higher_is_better_ratios_regress_when_they_fall() -> None:
    rng = random.Random(6)
    assert judge(noisy(rng, 10.0, 0.05), noisy(rng, 8.0, 0.05),
                 lower_is_better=False).verdict == "regression"
    assert judge(noisy(rng, 8.0, 0.05), noisy(rng, 10.0, 0.05),
                 lower_is_better=False).verdict == "improvement"


def test_headline_direction_comes_from_better_or_unit() -> None:
    assert headline_lower_is_better({"unit": "x faster"}) is False
    assert headline_lower_is_better({"unit": "x of buffered"}) is True
    assert headline_lower_is_better({"unit": "x of buffered", "better": "higher"}) is False


def test_compare_two_targets_finds_the_hand_made_slowdown() -> None:
    # In the hand-made newest run httpx-0.28.1's pooled timing is 25% slower than 0.27.2's
    # and the fan-out gather timings grow with it; everything else is the same draw.
    table = compare(DATA / NEW_RUN / "httpx-0.27.2", DATA / NEW_RUN / "httpx-0.28.1")
    verdicts = table.set_index("benchmark")["verdict"]
    assert verdicts["bench/test_pooling.py::test_pooled[http]"] == "regression"
    assert verdicts["bench/test_pooling.py::test_pooled[http] [pooled/one-off]"] == \
        "regression"
    assert verdicts["bench/test_pooling.py::test_one_off[http]"] == "unchanged"
    assert verdicts["bench/test_pooling.py::test_floor[http]"] == "unchanged"


def test_compare_a_file_with_itself_is_clean_and_exits_0() -> None:
    path = DATA / NEW_RUN / "httpx-0.28.1" / "bench.json"
    result = run_main("compare", path, path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("0 regression(s) in 20 benchmarks")


def test_compare_runs_exits_1_on_a_regression() -> None:
    result = run_cli("compare", DATA / OLD_RUN, DATA / NEW_RUN)
    assert result.returncode == 1, result.stderr
    assert "regression" in result.stdout
    # Matched by target: only httpx-0.28.1 is in both runs.
    assert "httpx-0.27.2" not in result.stdout


def test_a_larger_minimum_effect_silences_the_regression() -> None:
    result = run_main("compare", DATA / NEW_RUN / "httpx-0.27.2",
                     DATA / NEW_RUN / "httpx-0.28.1", "--min-effect", "0.5")
    assert result.returncode == 0, result.stdout + result.stderr


def test_benchmarks_without_raw_samples_are_refused(tmp_path: Path) -> None:
    root = copy_results(tmp_path)
    path = root / NEW_RUN / "httpx-0.28.1" / "bench.json"
    document = json.loads(path.read_text())
    for bench in document["benchmarks"]:
        del bench["stats"]["data"]
    path.write_text(json.dumps(document))
    result = run_main("compare", root / NEW_RUN / "httpx-0.27.2", path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert str(path) in result.stderr and "--benchmark-save-data" in result.stderr


@pytest.mark.parametrize("spread", [0.02, 0.2])
def test_verdict_needs_both_size_and_significance(spread: float) -> None:
    # Three samples a side can never reach p < 0.01, however large the change.
    rng = random.Random(7)
    assert judge(noisy(rng, 1.0, spread, 3), noisy(rng, 2.0, spread, 3)).verdict == \
        "unchanged"


def test_previous_compares_the_two_newest_runs_with_benchmarks(tmp_path: Path) -> None:
    result = run_main("compare", "--previous", "--results", DATA)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith(
        f"{DATA / OLD_RUN} -> {DATA / NEW_RUN} (httpx-0.28.1)")
    root = copy_results(tmp_path)
    for bench in (root / NEW_RUN).glob("*/bench.json"):
        bench.unlink()
    result = run_main("compare", "--previous", "--results", root)
    assert result.returncode == 2
    assert result.stderr == (f"reports: error: {root}: --previous needs two runs with "
                             "benchmarks, found 1\n")

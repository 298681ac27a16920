"""upgrade.timing's verdict words and the power figures reports.power derives from them.

The interval is the distribution-free one for a median (binomial order statistics), the
words say only what that interval shows, and reports.power --timings finds a planted
slowdown in steady ratios and not in noisy ones, without inventing changes in an A/A run.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from reports.power import main as power_main
from reports.power import timing_power
from upgrade.__main__ import arguments
from upgrade.timing import Headline, median_interval


def noisy(centre: float, spread: float, n: int, seed: int = 3) -> list[float]:
    rng = random.Random(seed)
    return [centre * rng.lognormvariate(0, spread) for _ in range(n)]


def test_the_median_interval_is_the_binomial_order_statistics() -> None:
    # n = 15: ranks 4 and 12 cover the median with 96.5 % (the textbook table's 95 % row).
    assert median_interval([float(x) for x in range(1, 16)]) == (4.0, 12.0)
    assert median_interval([1.0] * 5) == (None, None)  # too few rounds for any interval


@pytest.mark.parametrize(("ratios", "word"), [
    (noisy(1.20, 0.01, 40), "slower"),
    (noisy(0.80, 0.01, 40), "faster"),
    (noisy(1.00, 0.01, 40), "same within 5%"),
    (noisy(1.00, 0.30, 40), "not shown either way"),  # could be 10 % either way
    (noisy(1.06, 0.01, 4), "not measured"),
])
def test_verdict_words_say_only_what_the_interval_shows(ratios: list[float],
                                                         word: str) -> None:
    assert Headline("pooled-http", cpu_ratios=ratios).verdict() == word


def test_a_planted_slowdown_is_found_in_steady_rounds_only() -> None:
    steady, wild = noisy(1.0, 0.01, 60), noisy(1.0, 0.25, 60)
    detected, alarms, same = timing_power(steady, 0.10, draws=200, rounds=None)
    assert detected > 0.95 and alarms == 0 and same > 0.95
    detected, alarms, same = timing_power(wild, 0.10, draws=200, rounds=None)
    assert detected < 0.5 and same < 0.5
    # More rounds drawn from the same run: more power on the same noise.
    assert timing_power(wild, 0.10, 200, rounds=200)[0] > detected


def test_power_reads_an_upgrade_verdict(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    verdict = tmp_path / "verdict.json"
    verdict.write_text(json.dumps({"timings": [
        {"scenario": "pooled-http", "cpu_ratios": noisy(1.0, 0.01, 40)},
        {"scenario": "stream-1MiB", "cpu_ratios": []}]}))  # not measured: left out
    assert power_main(["--timings", str(verdict), "--rounds", "15", "--draws", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "| pooled-http | 15 |" in lines[1]
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert power_main(["--timings", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the timings" in err


def test_too_few_rounds_is_refused_before_anything_is_built() -> None:
    with pytest.raises(SystemExit) as exit_:
        arguments(["httpx==0.28.1", "httpx==0.29.0", "--rounds", "5"])
    assert exit_.value.code == 2
    assert arguments(["httpx==0.28.1", "httpx==0.29.0"]).rounds is None  # timing.ROUNDS
